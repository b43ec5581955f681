/**
 * The runs feature's side of the worker-wide stream: run events are parsed, batched per animation
 * frame and written straight into the query cache (every cached list, and the detail when cached),
 * so open pages update without refetching.
 */
import type { QueryClient } from "@tanstack/react-query";
import type { Run } from "../../api/types";
import { createFrameBatcher, type Scheduler } from "../../lib/frameBatcher";
import type { RunListFilters } from "./api";
import { runKeys } from "./api";
import { applyRuns, parseRunEvent, type RunPages } from "./liveCache";

export interface RunEventSink {
  /** Feeds the raw `data` of a run.created / run.updated message. */
  push: (data: string) => void;
  dispose: () => void;
}

/** Reads the filters back out of a `runKeys.list(filters)` key. */
function filtersFromKey(key: readonly unknown[]): RunListFilters {
  const filters = key[2];
  if (typeof filters !== "object" || filters === null || !("status" in filters)) return {};
  const { status } = filters;
  return Array.isArray(status) ? { status: status.filter((s): s is string => typeof s === "string") } : {};
}

/** Writes a batch of runs into every cached runs list and cached run detail. */
export function writeRunsToCache(queryClient: QueryClient, runs: Run[]): void {
  for (const query of queryClient.getQueryCache().findAll({ queryKey: runKeys.lists() })) {
    const filters = filtersFromKey(query.queryKey);
    queryClient.setQueryData<RunPages>(query.queryKey, (data) => (data ? applyRuns(data, runs, filters) : data));
  }
  for (const run of runs) {
    const key = runKeys.detail(run.id);
    const detail = queryClient.getQueryData<Run>(key);
    if (detail) {
      // The stream's Run has no state_history/stages: keep the cached ones, then refetch them.
      queryClient.setQueryData<Run>(key, { ...detail, ...run, state_history: detail.state_history, stages: detail.stages });
      void queryClient.invalidateQueries({ queryKey: key, exact: true });
    }
  }
}

export function createRunEventSink(queryClient: QueryClient, scheduler?: Scheduler): RunEventSink {
  const batcher = createFrameBatcher<Run>((runs) => {
    writeRunsToCache(queryClient, runs);
  }, scheduler);
  return {
    push(data) {
      const run = parseRunEvent(data);
      if (run) batcher.push(run);
    },
    dispose: batcher.dispose,
  };
}
