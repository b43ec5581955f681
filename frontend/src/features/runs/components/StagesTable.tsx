/** A run's stages in chronological order, one row per attempt, with timing, event ranges and summaries. */
import type { Stage } from "../../../api/types";
import { StatusBadge } from "../../../components/StatusBadge";
import { formatAbsolute, formatClock, formatDuration } from "../../../lib/format";
import { sortStagesChronologically } from "../timeline";

function seqRange(stage: Stage): string {
  if (stage.first_seq === null || stage.first_seq === undefined) return "—";
  return `${stage.first_seq}–${stage.last_seq ?? "…"}`;
}

export function StagesTable({ stages }: { stages: Stage[] }) {
  return (
    <section className="panel">
      <h2>Stages</h2>
      {stages.length === 0 ? (
        <p className="muted">No stage has started yet.</p>
      ) : (
        <table className="table table--compact" aria-label="Stages">
          <thead>
            <tr>
              <th scope="col">Stage</th>
              <th scope="col">Attempt</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col" className="num">
                Duration
              </th>
              <th scope="col">Events</th>
              <th scope="col">Summary</th>
            </tr>
          </thead>
          <tbody>
            {sortStagesChronologically(stages).map((stage) => (
              <tr key={`${stage.name}-${stage.attempt}`}>
                <td>{stage.name}</td>
                <td>{stage.attempt}</td>
                <td>
                  <StatusBadge status={stage.status} />
                </td>
                <td className="nowrap">
                  {stage.started_at ? (
                    <time dateTime={stage.started_at} title={formatAbsolute(stage.started_at)}>
                      {formatClock(stage.started_at)}
                    </time>
                  ) : (
                    "—"
                  )}
                </td>
                <td className="num">
                  {stage.duration_ms === null || stage.duration_ms === undefined ? "—" : formatDuration(stage.duration_ms)}
                </td>
                <td>{seqRange(stage)}</td>
                <td>{stage.summary ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
