/**
 * The closing answers: why the run ended as it did (the record's plain-language explanation, its
 * reason code and failed stage), the diff guard's flags, tokens and cost, and what retention keeps.
 */
import { StatusBadge } from "../../../components/StatusBadge";
import { formatAbsolute } from "../../../lib/format";
import { formatCost, formatCount, yesNo } from "../format";
import type { AuditRecordOutcome, TicketAudit } from "../../../api/types";
import { AuditSection, Fact } from "./AuditSection";
import { InlineCode } from "./InlineCode";

const WHY: Record<string, string> = {
  completed: "Why it completed",
  blocked: "Why it was blocked",
  failed: "Why it failed",
  cancelled: "Why it was cancelled",
};

/** The explanation sentence with the status beside it, shown at the top of the page and in "Why". */
export function OutcomeCallout({ outcome, testId }: { outcome: AuditRecordOutcome; testId: string }) {
  return (
    <p className={`audit-explanation audit-explanation--${outcome.status.replace(/[^a-z]/g, "")}`}>
      <StatusBadge status={outcome.status} />{" "}
      <span data-testid={testId}>
        <InlineCode text={outcome.explanation} />
      </span>
    </p>
  );
}

export function OutcomeSection({ audit }: { audit: TicketAudit }) {
  const { outcome } = audit;
  return (
    <AuditSection id="audit-outcome" title={WHY[outcome.status] ?? "Why it ended"}>
      <OutcomeCallout outcome={outcome} testId="audit-outcome-explanation" />
      <dl className="facts">
        <Fact label="Status" testId="audit-outcome-status">
          {outcome.status}
        </Fact>
        <Fact label="Reason code" testId="audit-outcome-reason-code">
          {outcome.reason_code ? <code>{outcome.reason_code}</code> : "—"}
        </Fact>
        <Fact label="Failed stage" testId="audit-outcome-failed-stage">
          {outcome.failed_stage ? <code>{outcome.failed_stage}</code> : <span className="muted">none</span>}
        </Fact>
        <Fact label="Reason">{outcome.reason ?? "—"}</Fact>
      </dl>
    </AuditSection>
  );
}

export function DiffGuardSection({ audit }: { audit: TicketAudit }) {
  const guard = audit.diff_guard;
  return (
    <AuditSection id="audit-diff-guard" title="Diff guard">
      <p className="audit-answer" data-testid="audit-diff-guard-verdict">
        {!guard.ran
          ? "The diff guard did not run."
          : guard.passed === false
            ? `The diff guard flagged the change (${guard.flags.length} flag${guard.flags.length === 1 ? "" : "s"}).`
            : "The diff guard ran and flagged nothing."}
      </p>
      {guard.flags.length > 0 ? (
        <table className="table table--compact" aria-label="Diff guard flags">
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Path</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {guard.flags.map((flag, i) => (
              <tr key={i}>
                <td>
                  <code>{flag.rule}</code>
                </td>
                <td className="mono">{flag.path ?? "—"}</td>
                <td>{flag.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </AuditSection>
  );
}

export function UsageSection({ audit }: { audit: TicketAudit }) {
  const { usage } = audit;
  return (
    <AuditSection id="audit-usage" title="Tokens and cost">
      <dl className="facts">
        <Fact label="Input tokens">{formatCount(usage.input_tokens)}</Fact>
        <Fact label="Output tokens">{formatCount(usage.output_tokens)}</Fact>
        <Fact label="Cache read tokens">{formatCount(usage.cache_read_tokens)}</Fact>
        <Fact label="Cost" testId="audit-usage-cost">
          {formatCost(usage)}
        </Fact>
        <Fact label="Estimated">{yesNo(usage.estimated)}</Fact>
      </dl>
    </AuditSection>
  );
}

export function RetentionSection({ audit }: { audit: TicketAudit }) {
  const { retention } = audit;
  return (
    <AuditSection id="audit-retention" title="Retention">
      <ul className="audit-retention">
        <li data-testid="audit-retention-events">
          {retention.events_retained
            ? "The run's events are still kept: its event ledger, log.txt, events.ndjson and live stream replay are available."
            : "The run's events were removed by the retention policy: its event ledger, logs and live stream are gone; this record is what remains."}
        </li>
        <li data-testid="audit-retention-expiry">
          {retention.audit_expires_at
            ? `This audit record, its file diffs and command output tails are kept until ${formatAbsolute(retention.audit_expires_at)}.`
            : "This audit record, its file diffs and command output tails are kept with no expiry set."}
        </li>
      </ul>
    </AuditSection>
  );
}
