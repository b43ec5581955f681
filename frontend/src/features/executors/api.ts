/**
 * `GET /api/v1/executors` and the live `executor.updated` messages (data: one Executor), which
 * replace that executor in the cached list — or add it, when it is new.
 */
import { queryOptions, type QueryClient } from "@tanstack/react-query";
import { apiGet } from "../../api/client";
import type { Executor, ExecutorList } from "../../api/types";

export const executorKeys = {
  all: ["executors"] as const,
  list: () => [...executorKeys.all, "list"] as const,
};

export function executorsQuery() {
  return queryOptions({
    queryKey: executorKeys.list(),
    queryFn: ({ signal }) => apiGet<ExecutorList>("/api/v1/executors", signal),
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses an `executor.updated` message; null when it is not an Executor. */
export function parseExecutorEvent(data: string): Executor | null {
  try {
    const value: unknown = JSON.parse(data);
    if (isRecord(value) && typeof value.id === "string" && typeof value.name === "string" && typeof value.status === "string") {
      return value as unknown as Executor;
    }
  } catch {
    // Dropped; the next resync refetches the list.
  }
  return null;
}

/** The list with `executor` replaced by id (or appended); the same object when nothing changed. */
export function upsertExecutor(list: ExecutorList, executor: Executor): ExecutorList {
  const index = list.items.findIndex((e) => e.id === executor.id);
  if (index === -1) return { ...list, items: [...list.items, executor] };
  const items = list.items.map((e, i) => (i === index ? executor : e));
  return { ...list, items };
}

/** Applies one `executor.updated` message to the cached list (when one is cached). */
export function applyExecutorEvent(queryClient: QueryClient, data: string): void {
  const executor = parseExecutorEvent(data);
  if (!executor) return;
  queryClient.setQueryData<ExecutorList>(executorKeys.list(), (list) => (list ? upsertExecutor(list, executor) : list));
}
