/** One run with its state history and stages (`GET /api/v1/runs/{id}`). */
import { useQuery } from "@tanstack/react-query";
import { runDetailQuery } from "../api";

export function useRun(id: string) {
  return useQuery(runDetailQuery(id));
}
