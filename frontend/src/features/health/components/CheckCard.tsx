/** One check: status, message, what to do next when it is not ok, details, last checked, and its hour. */
import type { CheckTimeline, HealthCheck } from "../../../api/types";
import { RelativeTime } from "../../../components/RelativeTime";
import { StatusBadge } from "../../../components/StatusBadge";
import { adviceFor } from "../advice";
import { StatusTimeline } from "./StatusTimeline";

const TITLES: Record<string, string> = {
  gateway: "Gateway",
  executors: "Executors",
  storage: "Storage",
  providers: "Providers",
  controller: "Controller",
};

export function CheckCard({
  check,
  timeline,
  window,
  now,
}: {
  check: HealthCheck;
  timeline: CheckTimeline | undefined;
  window: { since: string; until: string } | undefined;
  now: number;
}) {
  return (
    <article className={`panel health-check health-check--${check.status}`} data-testid={`check-${check.name}`} data-status={check.status}>
      <header className="health-check__header">
        <h2>{TITLES[check.name] ?? check.name}</h2>
        <StatusBadge status={check.status} />
      </header>
      <p className="health-check__message" data-testid={`check-${check.name}-message`}>
        {check.message}
      </p>
      {check.status !== "ok" ? (
        <p className="health-check__action" data-testid={`check-${check.name}-action`}>
          <strong>What to do: </strong>
          {adviceFor(check.name, check.action)}
        </p>
      ) : null}
      {timeline && window ? <StatusTimeline line={timeline} since={window.since} until={window.until} /> : null}
      <p className="health-check__meta muted">
        checked <RelativeTime iso={check.checked_at} now={now} /> · {check.latency_ms} ms
      </p>
      <details className="health-check__details">
        <summary>Details</summary>
        <pre className="mono">{JSON.stringify(check.details, null, 2)}</pre>
      </details>
    </article>
  );
}
