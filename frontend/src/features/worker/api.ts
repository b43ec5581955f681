/** `GET /api/v1/worker`: the worker's identity, shown in the header. */
import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiGet } from "../../api/client";
import type { WorkerInfo } from "../../api/types";

export const workerKeys = {
  all: ["worker"] as const,
  info: () => [...workerKeys.all, "info"] as const,
};

export function workerInfoQuery() {
  return queryOptions({
    queryKey: workerKeys.info(),
    queryFn: ({ signal }) => apiGet<WorkerInfo>("/api/v1/worker", signal),
    staleTime: 60_000,
  });
}

export function useWorkerInfo() {
  return useQuery(workerInfoQuery());
}
