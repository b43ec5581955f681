/**
 * Line statuses (API.md "Code Audit") in the order pages list them, with the words shown for
 * each, and the reconciliation job states that mean "still going".
 */
import type { LineStatus, Reconciliation, ReconciliationList } from "../../api/types";

export const LINE_STATUSES = [
  "current",
  "moved",
  "superseded",
  "deleted",
  "unknown",
  "pending",
  "waiting_for_workspace",
] as const satisfies readonly LineStatus[];

export function isLineStatus(value: string): value is LineStatus {
  return (LINE_STATUSES as readonly string[]).includes(value);
}

export const STATUS_LABEL: Record<LineStatus, string> = {
  current: "current",
  moved: "moved",
  superseded: "superseded",
  deleted: "deleted",
  unknown: "unknown",
  pending: "pending",
  waiting_for_workspace: "waiting for workspace",
};

/** What each status means, for titles and the legend. */
export const STATUS_HELP: Record<LineStatus, string> = {
  current: "present on the tracked branch and attributed (possibly shifted)",
  moved: "removed in one place and found again elsewhere (a block of 3 or more lines, by content)",
  superseded: "its place was rewritten by a later change",
  deleted: "removed, with nothing in its place",
  unknown: "could not be reconciled confidently (never guessed)",
  pending: "the run's work is not on the tracked branch yet",
  waiting_for_workspace: "the repository's local mirror is missing",
};

/** A reconciliation job is still going while pending or running. */
export function isReconciling(status: string | null | undefined): boolean {
  return status === "pending" || status === "running";
}

/** Whether any of the jobs is still going (the list is polled while one is). */
export function anyReconciling(jobs: readonly Pick<Reconciliation, "status">[] | undefined): boolean {
  return jobs?.some((job) => isReconciling(job.status)) ?? false;
}

/** The job list with `job` in it: replaced where it is already listed, else first (newest). */
export function withJob(list: ReconciliationList | undefined, job: Reconciliation): ReconciliationList {
  const items = list?.items ?? [];
  return items.some((j) => j.id === job.id)
    ? { ...list, items: items.map((j) => (j.id === job.id ? job : j)) }
    : { ...list, items: [job, ...items] };
}

/** A commit id shortened for reading. */
export function shortCommit(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 10) : "—";
}

/**
 * A run id shortened for reading: its last 8 characters (a UUIDv7's random part, also the suffix
 * of the run's branch name), as the executors table shows it; short ids whole.
 */
export function shortRunId(id: string): string {
  return id.length <= 12 ? id : id.slice(-8);
}
