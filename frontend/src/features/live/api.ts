/**
 * Live page API calls and query keys: the job (its runs, oldest attempt first), windows of a run's
 * events by seq, and the server-side search over all of a run's events.
 */
import { queryOptions } from "@tanstack/react-query";
import { apiGet } from "../../api/client";
import type { EventList, EventSearch, Job } from "../../api/types";

/** The API's page size limit for events. */
export const WINDOW = 500;

export const liveKeys = {
  job: (jobId: string) => ["jobs", "detail", jobId] as const,
  search: (runId: string, q: string) => ["runs", "detail", runId, "search", q] as const,
};

export function jobQuery(jobId: string) {
  return queryOptions({
    queryKey: liveKeys.job(jobId),
    queryFn: ({ signal }) => apiGet<Job>(`/api/v1/jobs/${encodeURIComponent(jobId)}`, signal),
  });
}

function runPath(runId: string): string {
  return `/api/v1/runs/${encodeURIComponent(runId)}`;
}

/** Events with seq > after (at most `limit`). */
export function fetchAfter(runId: string, after: number, limit = WINDOW, signal?: AbortSignal): Promise<EventList> {
  return apiGet<EventList>(`${runPath(runId)}/events?after=${Math.max(0, after)}&limit=${limit}`, signal);
}

/** The `limit` events just before seq `before`. */
export function fetchBefore(runId: string, before: number, limit = WINDOW, signal?: AbortSignal): Promise<EventList> {
  return apiGet<EventList>(`${runPath(runId)}/events?before=${before}&limit=${limit}`, signal);
}

export function searchQuery(runId: string, q: string) {
  return queryOptions({
    queryKey: liveKeys.search(runId, q),
    queryFn: ({ signal }) => apiGet<EventSearch>(`${runPath(runId)}/events/search?q=${encodeURIComponent(q)}`, signal),
    enabled: q.trim() !== "",
  });
}

export function streamUrl(runId: string, after: number): string {
  return `${runPath(runId)}/events/stream?after=${after}`;
}

export function downloadUrl(runId: string, file: "log.txt" | "events.ndjson"): string {
  return `${runPath(runId)}/${file}`;
}
