/** Whether repair or review fixes ran: repair attempts against the allowance, review verdict, findings and fixes. */
import { yesNo } from "../format";
import type { TicketAudit } from "../../../api/types";
import { AuditSection, Fact } from "./AuditSection";

export function RepairReviewSection({ audit }: { audit: TicketAudit }) {
  const { repair, review } = audit;
  return (
    <AuditSection id="audit-repair" title="Did repair or review fixes run">
      <div className="audit-columns">
        <div>
          <h3>Repair</h3>
          <dl className="facts">
            <Fact label="Ran" testId="audit-repair-ran">
              {yesNo(repair.ran)}
            </Fact>
            <Fact label="Attempts" testId="audit-repair-attempts">
              {repair.attempts} of {repair.max_attempts} allowed
            </Fact>
            <Fact label="Succeeded">{repair.ran ? yesNo(repair.succeeded) : "—"}</Fact>
          </dl>
        </div>
        <div>
          <h3>Review</h3>
          <dl className="facts">
            <Fact label="Ran" testId="audit-review-ran">
              {yesNo(review.ran)}
            </Fact>
            <Fact label="Approved">{review.ran ? yesNo(review.approved) : "—"}</Fact>
            <Fact label="Fixes ran" testId="audit-review-fixes">
              {yesNo(review.fixes_ran)}
            </Fact>
            <Fact label="Findings">{review.findings.length}</Fact>
          </dl>
        </div>
      </div>
      {review.findings.length > 0 ? (
        <table className="table table--compact" aria-label="Review findings">
          <thead>
            <tr>
              <th scope="col">Severity</th>
              <th scope="col">Where</th>
              <th scope="col">Finding</th>
            </tr>
          </thead>
          <tbody>
            {review.findings.map((finding, i) => (
              <tr key={i}>
                <td>
                  <span className={`tag tag--severity-${finding.severity.replace(/[^a-z]/g, "")}`}>{finding.severity}</span>
                </td>
                <td className="mono">
                  {finding.path ?? "—"}
                  {finding.line !== null && finding.line !== undefined ? `:${finding.line}` : ""}
                </td>
                <td>{finding.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </AuditSection>
  );
}
