/** How the run ended — status, reason and failed stage — with links to its audit and details. */
import { Link } from "react-router";
import { isActiveStatus, type Run } from "../../../api/types";
import { StatusBadge } from "../../../components/StatusBadge";

export function OutcomeBanner({ run }: { run: Run }) {
  if (isActiveStatus(run.status)) return null;
  const outcome = run.outcome;
  return (
    <section className={`live-outcome live-outcome--${run.status}`} data-testid="live-outcome" data-status={run.status} aria-label="Outcome">
      <StatusBadge status={run.status} />
      {outcome?.reason_code ? <code>{outcome.reason_code}</code> : null}
      <span>{outcome?.reason ?? run.error?.message ?? ""}</span>
      {outcome?.failed_stage ? <span className="muted">failed in {outcome.failed_stage}</span> : null}
      <span className="live-outcome__links">
        {run.retention.audit_retained ? <Link to={`/audit/${run.id}`}>Ticket audit</Link> : null}
        <Link to={`/runs/${run.id}`}>Run details</Link>
      </span>
    </section>
  );
}
