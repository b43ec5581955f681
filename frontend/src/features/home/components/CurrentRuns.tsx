/** The runs executing or waiting now, each with an "Open live stream" action. */
import { Link } from "react-router";
import type { Run } from "../../../api/types";
import { SampleBadge } from "../../../components/SampleBadge";
import { StatusBadge } from "../../../components/StatusBadge";
import { elapsedMs, formatDuration, formatProvider } from "../../../lib/format";

function liveHref(run: Run): string {
  return run.links.live.startsWith("/live/") ? run.links.live : `/live/${run.job_id}`;
}

function CurrentRun({ run, now }: { run: Run; now: number }) {
  const elapsed = elapsedMs(run, now);
  return (
    <li className="current-run" data-run-id={run.id} data-status={run.status}>
      <div className="current-run__head">
        <StatusBadge status={run.status} /> <SampleBadge sample={run.sample} />
        <Link to={`/runs/${run.id}`} className="ticket-key">
          {run.ticket.key}
        </Link>
        <span className="ticket-title">{run.ticket.title}</span>
      </div>
      <div className="current-run__meta muted">
        {run.repository.name} · {formatProvider(run.provider)} · stage {run.stage ?? "—"}
        {run.executor ? ` · on ${run.executor.name ?? run.executor.id}` : ""}
        {elapsed === null ? "" : ` · ${formatDuration(elapsed)}`}
      </div>
      <Link className="button button--primary button--small" to={liveHref(run)}>
        Open live stream
      </Link>
    </li>
  );
}

export function CurrentRuns({ runs, now }: { runs: Run[]; now: number }) {
  return (
    <section className="panel" aria-labelledby="current-title">
      <h2 id="current-title">Current execution</h2>
      {runs.length === 0 ? (
        <p className="muted">Nothing is running or queued.</p>
      ) : (
        <ul className="current-runs">
          {runs.map((run) => (
            <CurrentRun key={run.id} run={run} now={now} />
          ))}
        </ul>
      )}
    </section>
  );
}
