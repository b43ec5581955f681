/**
 * Which stages ran: the runs feature's stage timeline, then every stage attempt in the order it ran
 * (the record lists them in pipeline order; validate #2 reads better after repair #1).
 */
import { StatusBadge } from "../../../components/StatusBadge";
import { formatAbsolute, formatClock, formatDuration, parseTimestamp } from "../../../lib/format";
import { sortStagesChronologically, StageTimeline } from "../../runs";
import type { AuditStage, TicketAudit } from "../../../api/types";
import { AuditSection } from "./AuditSection";
import { InlineCode } from "./InlineCode";

function StageRow({ stage }: { stage: AuditStage }) {
  return (
    <tr data-stage={`${stage.name}#${stage.attempt}`} data-status={stage.status}>
      <td className="mono">{stage.name}</td>
      <td className="num">{stage.attempt}</td>
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
      <td className="num">{stage.duration_ms === null || stage.duration_ms === undefined ? "—" : formatDuration(stage.duration_ms)}</td>
      <td>{stage.summary ? <InlineCode text={stage.summary} /> : null}</td>
    </tr>
  );
}

export function StagesSection({ audit }: { audit: TicketAudit }) {
  const { stages } = audit;
  // The run is over: nothing is still running, so "now" only needs to be its end.
  const finished = parseTimestamp(audit.run.finished_at) ?? 0;
  return (
    <AuditSection id="audit-stages" title="Which stages ran">
      {stages.length === 0 ? (
        <p className="muted">No stage ran: the run ended before its pipeline started.</p>
      ) : (
        <>
          <StageTimeline stages={stages} now={finished} />
          <table className="table table--compact" aria-label="Stages">
            <thead>
              <tr>
                <th scope="col">Stage</th>
                <th scope="col" className="num">
                  Attempt
                </th>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col" className="num">
                  Duration
                </th>
                <th scope="col">Summary</th>
              </tr>
            </thead>
            <tbody>
              {sortStagesChronologically(stages).map((stage) => (
                <StageRow key={`${stage.name}#${stage.attempt}`} stage={stage} />
              ))}
            </tbody>
          </table>
        </>
      )}
    </AuditSection>
  );
}
