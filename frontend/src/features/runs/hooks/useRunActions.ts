/** Cancel and retry for one run, keeping the cached detail current and opening the retry's run. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";
import type { Run } from "../../../api/types";
import { cancelRun, retryJob, runKeys } from "../api";

export function useCancelRun(run: Run) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => cancelRun(run.id),
    onSuccess: (updated) => {
      queryClient.setQueryData<Run>(runKeys.detail(run.id), (cached) =>
        cached ? { ...cached, ...updated, state_history: cached.state_history, stages: cached.stages } : cached,
      );
      void queryClient.invalidateQueries({ queryKey: runKeys.detail(run.id), exact: true });
    },
  });
}

export function useRetryRun(run: Run) {
  const navigate = useNavigate();
  return useMutation({
    mutationFn: () => retryJob(run.job_id),
    onSuccess: ({ run: next }) => {
      void navigate(`/runs/${next.id}`);
    },
  });
}
