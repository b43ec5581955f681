/** The paged runs list for the given filters, flattened for rendering. */
import { useInfiniteQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import type { Run } from "../../../api/types";
import { runsListQuery } from "../api";
import { RUNS_PAGE_SIZE, type RunListFilters } from "../filters";

export function useRunsList(filters: RunListFilters, limit = RUNS_PAGE_SIZE) {
  const query = useInfiniteQuery(runsListQuery(filters, limit));
  const runs = useMemo<Run[]>(() => query.data?.pages.flatMap((page) => page.items) ?? [], [query.data]);
  return { ...query, runs };
}
