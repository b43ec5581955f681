/** The audit list's filters, kept in the URL query string so a view survives reloads and can be shared. */
import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router";
import { auditFiltersFromSearchParams, auditFiltersToSearchParams, type AuditFilters } from "../filters";

export function useAuditFilters(): [AuditFilters, (patch: AuditFilters) => void] {
  const [params, setParams] = useSearchParams();
  const search = params.toString();
  // Keyed on the string so the object (and the query key) only changes when the URL does.
  const filters = useMemo(() => auditFiltersFromSearchParams(new URLSearchParams(search)), [search]);
  const update = useCallback(
    (patch: AuditFilters) => {
      setParams((prev) => auditFiltersToSearchParams({ ...auditFiltersFromSearchParams(prev), ...patch }, prev), {
        replace: true,
      });
    },
    [setParams],
  );
  return [filters, update];
}
