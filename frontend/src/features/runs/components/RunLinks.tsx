/**
 * Where to go from a run: its live stream, its Ticket Audit (only while retained), its raw output
 * (log.txt, events.ndjson) and its patch (only once a commit exists).
 */
import { Link } from "react-router";
import type { Run } from "../../../api/types";

export function RunLinks({ run }: { run: Run }) {
  const base = `/api/v1/runs/${encodeURIComponent(run.id)}`;
  return (
    <nav className="run-links" aria-label="Run links">
      <Link to={`/live/${run.job_id}`}>Live stream</Link>
      {run.retention.audit_retained ? <Link to={`/audit/${run.id}`}>Ticket audit</Link> : null}
      {run.retention.events_retained ? (
        <>
          <a href={`${base}/log.txt`}>log.txt</a>
          <a href={`${base}/events.ndjson`}>events.ndjson</a>
        </>
      ) : (
        <span className="muted">events removed by retention</span>
      )}
      {run.head_commit ? <a href={`${base}/patch`}>Patch</a> : null}
    </nav>
  );
}
