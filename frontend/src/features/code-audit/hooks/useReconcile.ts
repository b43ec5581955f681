/**
 * "Reconcile now" and the job list behind it. The list is polled while any job is pending or
 * running; when the last one finishes, everything about the repository (counts, files, the open
 * file, runs) and the repositories list are refetched, so the page shows the reconciled state.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { codeAuditKeys, reconciliationsQuery, requestReconciliation } from "../api";
import { anyReconciling, withJob } from "../status";
import type { ReconciliationList } from "../../../api/types";

const POLL_MS = 1000;

export function useReconciliations(repoId: string) {
  const queryClient = useQueryClient();
  const jobs = useQuery({
    ...reconciliationsQuery(repoId),
    refetchInterval: (query) => (anyReconciling(query.state.data?.items) ? POLL_MS : false),
  });
  const active = anyReconciling(jobs.data?.items);
  const wasActive = useRef(active);
  useEffect(() => {
    if (wasActive.current && !active) {
      void queryClient.invalidateQueries({ queryKey: codeAuditKeys.repo(repoId) });
      void queryClient.invalidateQueries({ queryKey: codeAuditKeys.repos() });
    }
    wasActive.current = active;
  }, [active, queryClient, repoId]);
  return { ...jobs, active };
}

export function useRequestReconciliation(repoId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => requestReconciliation(repoId),
    onSuccess: (job) => {
      // The queued job starts the polling at once, without waiting for a refetch.
      queryClient.setQueryData<ReconciliationList>(codeAuditKeys.reconciliations(repoId), (list) => withJob(list, job));
    },
  });
}
