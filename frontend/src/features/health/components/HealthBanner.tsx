/** The overall status and the worker's activity: busy, or idle and why. */
import type { HealthReport } from "../../../api/types";
import { StatusBadge } from "../../../components/StatusBadge";
import { IDLE_REASON_LABEL } from "../advice";

const HEADLINE = {
  ok: "The worker is healthy",
  degraded: "The worker works, with problems",
  down: "The worker cannot do its job",
} as const;

export function HealthBanner({ report }: { report: HealthReport }) {
  const failing = report.checks.filter((c) => c.status !== "ok").map((c) => c.name);
  const { worker } = report;
  return (
    <section className={`panel health-banner health-banner--${report.status}`} data-testid="health-banner" data-status={report.status}>
      <div className="health-banner__row">
        <StatusBadge status={report.status} />
        <strong>{HEADLINE[report.status]}</strong>
        {failing.length > 0 ? <span className="muted">— look at: {failing.join(", ")}</span> : null}
      </div>
      <p className="health-banner__worker" data-testid="worker-state" data-state={worker.state} data-idle-reason={worker.idle_reason ?? ""}>
        <StatusBadge status={worker.state} />{" "}
        {worker.idle_reason ? <strong>{IDLE_REASON_LABEL[worker.idle_reason] ?? worker.idle_reason}: </strong> : null}
        {worker.explanation}
      </p>
      {worker.queued_runs > 0 && worker.blockers.length > 0 ? (
        <p className="health-banner__blockers" data-testid="worker-blockers">
          {worker.queued_runs === 1 ? "1 queued job waits" : `${worker.queued_runs} queued jobs wait`} because of:{" "}
          {worker.blockers.map((b) => IDLE_REASON_LABEL[b] ?? b).join(", ")}
        </p>
      ) : null}
    </section>
  );
}
