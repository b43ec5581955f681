/** The runs list's filters, kept in the URL query string so a view survives reloads and can be shared. */
import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router";
import { filtersFromSearchParams, filtersToSearchParams, type RunListFilters } from "../filters";

export function useRunFilters(): [RunListFilters, (patch: Partial<RunListFilters>) => void] {
  const [params, setParams] = useSearchParams();
  const search = params.toString();
  // Keyed on the string so the object (and the query key) only changes when the URL does.
  const filters = useMemo(() => filtersFromSearchParams(new URLSearchParams(search)), [search]);
  const update = useCallback(
    (patch: Partial<RunListFilters>) => {
      setParams((prev) => filtersToSearchParams({ ...filtersFromSearchParams(prev), ...patch }, prev), { replace: true });
    },
    [setParams],
  );
  return [filters, update];
}
