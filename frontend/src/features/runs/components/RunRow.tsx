/**
 * One row of the runs table. Memoised: a row re-renders only when its run, its clock (`now` ticks
 * every second for active runs, every 30 s for the rest) or its tab stop changes.
 */
import { memo } from "react";
import { Link } from "react-router";
import type { Run } from "../../../api/types";
import { RelativeTime } from "../../../components/RelativeTime";
import { SampleBadge } from "../../../components/SampleBadge";
import { StatusBadge } from "../../../components/StatusBadge";
import { elapsedMs, formatDuration, formatProvider } from "../../../lib/format";

interface Props {
  run: Run;
  now: number;
  /** The one row the Tab key lands on (roving tab stop). */
  tabbable: boolean;
}

export const RunRow = memo(function RunRow({ run, now, tabbable }: Props) {
  const elapsed = elapsedMs(run, now);
  return (
    <tr data-key={run.id} data-run-id={run.id} data-status={run.status} tabIndex={tabbable ? 0 : -1} className="row-nav">
      <td>
        <StatusBadge status={run.status} /> <SampleBadge sample={run.sample} />
      </td>
      <td className="cell-ticket">
        <Link to={`/runs/${run.id}`} className="ticket-key" tabIndex={-1}>
          {run.ticket.key}
        </Link>
        <span className="ticket-title" title={run.ticket.title}>
          {run.ticket.title}
        </span>
      </td>
      <td title={run.repository.url}>{run.repository.name}</td>
      <td>{formatProvider(run.provider)}</td>
      <td data-col="stage">{run.stage ?? "—"}</td>
      <td>{run.started_at ? <RelativeTime iso={run.started_at} now={now} /> : <span className="muted">—</span>}</td>
      <td className="num" data-col="duration">
        {elapsed === null ? "—" : formatDuration(elapsed)}
      </td>
      <td className="cell-reason" title={run.outcome?.reason ?? undefined}>
        {run.outcome ? <code>{run.outcome.reason_code}</code> : null}
      </td>
    </tr>
  );
});
