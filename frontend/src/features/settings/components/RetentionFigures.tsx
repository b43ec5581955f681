/**
 * What a prune removes (or would remove): runs whose events go, events and their bytes, audit
 * records, code-audit evidence — the same list for the preview and for a prune's report.
 */
import type { RetentionPreview } from "../../../api/types";
import { formatBytes } from "../../../lib/format";
import { formatCount } from "../../audit";

type Figures = Pick<RetentionPreview, "events" | "audit" | "code_audit">;

export function RetentionFigures({ figures, testId }: { figures: Figures; testId: string }) {
  const { events, audit, code_audit: code } = figures;
  return (
    <dl className="facts" data-testid={testId}>
      <dt>Runs whose events go</dt>
      <dd data-testid={`${testId}-runs`}>{formatCount(events.runs)}</dd>
      <dt>Events</dt>
      <dd data-testid={`${testId}-events`}>{formatCount(events.events)}</dd>
      <dt>Event bytes</dt>
      <dd data-testid={`${testId}-bytes`}>{formatBytes(events.bytes)}</dd>
      <dt>Audit records</dt>
      <dd data-testid={`${testId}-audit`}>
        {formatCount(audit.runs)} run{audit.runs === 1 ? "" : "s"} ({formatBytes(audit.bytes)})
      </dd>
      <dt>Code Audit evidence</dt>
      <dd data-testid={`${testId}-code-audit`}>
        {formatCount(code.evidence)} evidence set{code.evidence === 1 ? "" : "s"}, {formatCount(code.ranges)} line range
        {code.ranges === 1 ? "" : "s"}
      </dd>
    </dl>
  );
}
