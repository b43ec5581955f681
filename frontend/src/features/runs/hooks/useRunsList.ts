/** The paged runs list for the current filters, flattened for rendering. */
import { useInfiniteQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import type { Run } from "../../../api/types";
import { runsListQuery, type RunListFilters } from "../api";

export function useRunsList(filters: RunListFilters) {
  const query = useInfiniteQuery(runsListQuery(filters));
  const runs = useMemo<Run[]>(() => query.data?.pages.flatMap((page) => page.items) ?? [], [query.data]);
  return { ...query, runs };
}
