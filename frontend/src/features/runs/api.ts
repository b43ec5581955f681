/**
 * Runs API calls and their TanStack Query keys. `runKeys` is the one place query keys for runs are
 * built, so the live stream, the list and the detail page agree on what to update.
 */
import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import { apiGet, apiRequest } from "../../api/client";
import type { EventList, JobCreated, Run, RunList } from "../../api/types";
import { RUNS_PAGE_SIZE, runsPagePath, type RunListFilters } from "./filters";

/** Filters of the event ledger (`kind` is a comma list). */
export interface EventFilters {
  kind?: string;
  stage?: string;
}

export const EVENTS_PAGE_SIZE = 100;

export const runKeys = {
  all: ["runs"] as const,
  lists: () => [...runKeys.all, "list"] as const,
  /** `filters` must be normalised (see `normalizeFilters`); the stream reads it back from the key. */
  list: (filters: RunListFilters, limit = RUNS_PAGE_SIZE) => [...runKeys.lists(), filters, limit] as const,
  details: () => [...runKeys.all, "detail"] as const,
  detail: (id: string) => [...runKeys.details(), id] as const,
  events: (id: string, filters: EventFilters) => [...runKeys.detail(id), "events", filters] as const,
};

export function runsListQuery(filters: RunListFilters, limit = RUNS_PAGE_SIZE) {
  return infiniteQueryOptions({
    queryKey: runKeys.list(filters, limit),
    queryFn: ({ pageParam, signal }) => apiGet<RunList>(runsPagePath(filters, pageParam, limit), signal),
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

/** The path of one page of a run's events, after `after` (a seq, or null from the start). */
export function eventsPagePath(id: string, filters: EventFilters, after: string | null, limit = EVENTS_PAGE_SIZE): string {
  const params = new URLSearchParams({ limit: String(limit) });
  if (after) params.set("after", after);
  if (filters.kind) params.set("kind", filters.kind);
  if (filters.stage) params.set("stage", filters.stage);
  return `/api/v1/runs/${encodeURIComponent(id)}/events?${params.toString()}`;
}

export function runEventsQuery(id: string, filters: EventFilters) {
  return infiniteQueryOptions({
    queryKey: runKeys.events(id, filters),
    queryFn: ({ pageParam, signal }) => apiGet<EventList>(eventsPagePath(id, filters, pageParam), signal),
    initialPageParam: null as string | null,
    getNextPageParam: (lastPage) => lastPage.next_cursor ?? null,
    // Events never change once written; only new ones arrive (see "Load newer" in the ledger).
    staleTime: Infinity,
  });
}

/** `POST /api/v1/runs/{id}/cancel` → 202 with the Run. */
export function cancelRun(id: string): Promise<Run> {
  return apiRequest<Run>(`/api/v1/runs/${encodeURIComponent(id)}/cancel`, { method: "POST" });
}

/** `POST /api/v1/jobs/{job_id}/retry` → 201 `{job, run}` with the next attempt. */
export function retryJob(jobId: string): Promise<JobCreated> {
  return apiRequest<JobCreated>(`/api/v1/jobs/${encodeURIComponent(jobId)}/retry`, { method: "POST" });
}

/** `POST /api/v1/samples/run` → 201 `{job, run}`: the bundled sample job. */
export function runSample(): Promise<JobCreated> {
  return apiRequest<JobCreated>("/api/v1/samples/run", { method: "POST" });
}
