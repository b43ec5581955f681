/**
 * What to do next: the troubleshooting order from the product's guide (executor started? live
 * stream? audit? code audit? runtime healthy?) and, per check, the first place to look when the
 * API sent no advice of its own.
 */

export interface TroubleshootingStep {
  question: string;
  where: string;
  /** A route in this app, when the answer lives here. */
  to: string | null;
}

export const TROUBLESHOOTING_ORDER: readonly TroubleshootingStep[] = [
  { question: "Did an executor start the job?", where: "Home: executor fleet and current runs", to: "/" },
  { question: "Is the job actively running?", where: "Runs, then the run's live stream", to: "/runs?status=queued,running" },
  { question: "Which stage failed or blocked?", where: "Ticket Audit", to: "/audit" },
  { question: "Were the expected files and lines tracked?", where: "Code Audit (per repository evidence)", to: null },
  { question: "Is the worker runtime healthy?", where: "This page, then the worker's logs (stderr, RUST_LOG=debug)", to: null },
];

const FALLBACK: Record<string, string> = {
  gateway: "Check the worker's logs; restart the worker if it stopped answering.",
  executors: "Check that the worker was started with executors (--executors 1 or more) and read its logs.",
  storage: "Check the data directory: mounted, writable, not full.",
  providers: "Check the provider's configuration and the allowed-commands list.",
  controller: "Check JCA_WORKER_CONTROL_PLANE_URL and the network path to the controller.",
};

/** The advice for a failing check: the API's own, else a general pointer. */
export function adviceFor(name: string, action: string | null | undefined): string {
  return action ?? FALLBACK[name] ?? "Check the worker's logs.";
}

/** People's wording for an idle reason. */
export const IDLE_REASON_LABEL: Record<string, string> = {
  no_queued_jobs: "no queued jobs",
  no_executors: "no executors",
  no_ready_provider: "no ready provider",
  storage_down: "storage down",
  paused: "paused",
};
