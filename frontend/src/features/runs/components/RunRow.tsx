/** One row of the runs table. */
import { memo } from "react";
import { Link } from "react-router";
import type { Run } from "../../../api/types";
import { RelativeTime } from "../../../components/RelativeTime";
import { StatusBadge } from "../../../components/StatusBadge";
import { elapsedMs, formatDuration, formatProvider } from "../../../lib/format";

export const RunRow = memo(function RunRow({ run, now }: { run: Run; now: number }) {
  const elapsed = elapsedMs(run, now);
  return (
    <tr data-run-id={run.id} data-status={run.status}>
      <td>
        <StatusBadge status={run.status} />
      </td>
      <td className="cell-ticket">
        <Link to={`/runs/${run.id}`} className="ticket-key">
          {run.ticket.key}
        </Link>
        <span className="ticket-title" title={run.ticket.title}>
          {run.ticket.title}
        </span>
      </td>
      <td title={run.repository.url}>{run.repository.name}</td>
      <td>{formatProvider(run.provider)}</td>
      <td>{run.stage ?? "—"}</td>
      <td>
        <RelativeTime iso={run.created_at} now={now} />
      </td>
      <td className="num">{elapsed === null ? "—" : formatDuration(elapsed)}</td>
    </tr>
  );
});
