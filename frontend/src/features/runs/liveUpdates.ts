/**
 * The runs feature's side of the worker-wide stream: run events are parsed, batched per animation
 * frame and written straight into the query cache (every cached list, and the detail when cached),
 * so open pages update without refetching lists. The stream's Run carries no `stages` or
 * `state_history`, so an open detail is refetched — at most once per `detailRefetchMs` per run.
 */
import type { QueryClient } from "@tanstack/react-query";
import type { Run } from "../../api/types";
import { createFrameBatcher, type Scheduler } from "../../lib/frameBatcher";
import { runKeys } from "./api";
import { normalizeFilters, type RunListFilters } from "./filters";
import { applyRuns, parseRunEvent, type RunPages } from "./liveCache";

export interface RunEventSink {
  /** Feeds the raw `data` of a run.created / run.updated message. */
  push: (data: string) => void;
  dispose: () => void;
}

export const DETAIL_REFETCH_MS = 500;

/** Reads the filters back out of a `runKeys.list(filters, limit)` key. */
function filtersFromKey(key: readonly unknown[]): RunListFilters {
  const filters = key[2];
  if (typeof filters !== "object" || filters === null) return {};
  return normalizeFilters(filters);
}

/** Writes a batch of runs into every cached runs list; answers the ids of cached details it merged into. */
export function writeRunsToCache(queryClient: QueryClient, runs: Run[]): string[] {
  for (const query of queryClient.getQueryCache().findAll({ queryKey: runKeys.lists() })) {
    const filters = filtersFromKey(query.queryKey);
    queryClient.setQueryData<RunPages>(query.queryKey, (data) => (data ? applyRuns(data, runs, filters) : data));
  }
  const merged: string[] = [];
  for (const run of runs) {
    const key = runKeys.detail(run.id);
    const detail = queryClient.getQueryData<Run>(key);
    if (detail) {
      // Keep the cached history and stages until the refetch brings fresh ones.
      queryClient.setQueryData<Run>(key, { ...detail, ...run, state_history: detail.state_history, stages: detail.stages });
      merged.push(run.id);
    }
  }
  return merged;
}

export interface SinkOptions {
  scheduler?: Scheduler;
  detailRefetchMs?: number;
}

export function createRunEventSink(queryClient: QueryClient, options: SinkOptions = {}): RunEventSink {
  const refetchMs = options.detailRefetchMs ?? DETAIL_REFETCH_MS;
  const pending = new Map<string, ReturnType<typeof setTimeout>>();

  const scheduleDetailRefetch = (id: string) => {
    if (pending.has(id)) return;
    pending.set(
      id,
      setTimeout(() => {
        pending.delete(id);
        void queryClient.invalidateQueries({ queryKey: runKeys.detail(id), exact: true });
      }, refetchMs),
    );
  };

  const batcher = createFrameBatcher<Run>((runs) => {
    for (const id of writeRunsToCache(queryClient, runs)) scheduleDetailRefetch(id);
  }, options.scheduler);

  return {
    push(data) {
      const run = parseRunEvent(data);
      if (run) batcher.push(run);
    },
    dispose() {
      batcher.dispose();
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
    },
  };
}
