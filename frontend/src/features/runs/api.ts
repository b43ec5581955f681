/**
 * Runs API calls and their TanStack Query keys. `runKeys` is the one place query keys for runs are
 * built, so the live stream, the list and the detail page agree on what to update.
 */
import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import { apiGet } from "../../api/client";
import type { Run, RunList } from "../../api/types";

/** Filters that narrow the runs list; they live in the URL and form part of the query key. */
export interface RunListFilters {
  status?: string[];
}

export const RUNS_PAGE_SIZE = 50;

export const runKeys = {
  all: ["runs"] as const,
  lists: () => [...runKeys.all, "list"] as const,
  list: (filters: RunListFilters) => [...runKeys.lists(), filters] as const,
  details: () => [...runKeys.all, "detail"] as const,
  detail: (id: string) => [...runKeys.details(), id] as const,
};

/** The query string for one page of `GET /api/v1/runs`. */
export function runsPagePath(filters: RunListFilters, cursor: string | null, limit = RUNS_PAGE_SIZE): string {
  const params = new URLSearchParams({ limit: String(limit) });
  if (filters.status && filters.status.length > 0) params.set("status", filters.status.join(","));
  if (cursor) params.set("cursor", cursor);
  return `/api/v1/runs?${params.toString()}`;
}

export function runsListQuery(filters: RunListFilters) {
  return infiniteQueryOptions({
    queryKey: runKeys.list(filters),
    queryFn: ({ pageParam, signal }) => apiGet<RunList>(runsPagePath(filters, pageParam), signal),
    initialPageParam: null as string | null,
    getNextPageParam: (lastPage) => lastPage.next_cursor ?? null,
  });
}

export function runDetailQuery(id: string) {
  return queryOptions({
    queryKey: runKeys.detail(id),
    queryFn: ({ signal }) => apiGet<Run>(`/api/v1/runs/${encodeURIComponent(id)}`, signal),
  });
}
