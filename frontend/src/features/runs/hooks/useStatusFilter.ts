/** The runs list's status filter, kept in the URL (`?status=queued,running`) so views can be shared. */
import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router";
import { isRunStatus } from "../../../api/types";
import type { RunListFilters } from "../api";

export function useStatusFilter(): [RunListFilters, (status: string | null) => void] {
  const [params, setParams] = useSearchParams();
  const raw = params.get("status") ?? "";
  const filters = useMemo<RunListFilters>(() => {
    const status = raw.split(",").filter(isRunStatus);
    return status.length > 0 ? { status } : {};
  }, [raw]);
  const setStatus = useCallback(
    (status: string | null) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          if (status) next.set("status", status);
          else next.delete("status");
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );
  return [filters, setStatus];
}
