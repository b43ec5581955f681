/**
 * What is known about one attributed line: its status, the ticket, the run (its Ticket Audit and
 * its run page; runs executed elsewhere have neither), when the evidence was recorded, and the
 * commit the run produced the line in. Rendered inside the file view's scroll area, beside the line.
 */
import type { CSSProperties, MouseEventHandler, Ref } from "react";
import { Link } from "react-router";
import { StatusBadge } from "../../../components/StatusBadge";
import { formatAbsolute } from "../../../lib/format";
import type { MarkerSpan } from "../gutter";
import { shortCommit, shortRunId, STATUS_HELP } from "../status";

interface Props {
  line: number;
  span: MarkerSpan;
  pinned: boolean;
  /** The evidence was posted for a run executed elsewhere: its run id is not one of this worker's runs. */
  external: boolean;
  style: CSSProperties;
  onClose: () => void;
  onMouseEnter: MouseEventHandler;
  onMouseLeave: MouseEventHandler;
  ref?: Ref<HTMLDivElement>;
}

export function LineEvidencePopover({ line, span, pinned, external, style, onClose, onMouseEnter, onMouseLeave, ref }: Props) {
  const { evidence } = span;
  const lines = span.start === span.end ? `line ${span.start}` : `lines ${span.start}–${span.end}`;
  return (
    <div
      ref={ref}
      className={`line-evidence${pinned ? " line-evidence--pinned" : ""}`}
      style={style}
      role="dialog"
      aria-label={`Evidence of line ${line}`}
      id="line-evidence"
      data-testid="line-evidence"
      data-line={line}
      onMouseEnter={onMouseEnter}
      onMouseLeave={onMouseLeave}
    >
      <div className="line-evidence__head">
        <StatusBadge status={evidence.status} />
        <span className="muted">{lines}</span>
        {pinned ? (
          <button type="button" className="line-evidence__close" aria-label="Close" onClick={onClose}>
            ×
          </button>
        ) : null}
      </div>
      <p className="line-evidence__help muted">{STATUS_HELP[evidence.status]}</p>
      <dl className="facts">
        <dt>Ticket</dt>
        <dd>
          <span className="ticket-key" data-testid="line-evidence-ticket">
            {evidence.ticket_key}
          </span>
        </dd>
        <dt>Run</dt>
        <dd>
          {evidence.run_id && external ? (
            <span>
              <code>{evidence.run_id}</code> <span className="muted">(executed elsewhere)</span>
            </span>
          ) : evidence.run_id ? (
            <span className="line-evidence__links">
              <Link to={`/audit/${evidence.run_id}`} data-testid="line-evidence-audit">
                Ticket Audit
              </Link>
              <Link to={`/runs/${evidence.run_id}`} data-testid="line-evidence-run">
                Run <code title={evidence.run_id}>{shortRunId(evidence.run_id)}</code>
              </Link>
            </span>
          ) : (
            <span className="muted">executed elsewhere, no run id given</span>
          )}
        </dd>
        <dt>Date</dt>
        <dd>
          <time dateTime={evidence.at}>{formatAbsolute(evidence.at)}</time>
        </dd>
        <dt>Origin commit</dt>
        <dd>
          <code title={evidence.origin_commit}>{shortCommit(evidence.origin_commit)}</code>
        </dd>
      </dl>
    </div>
  );
}
