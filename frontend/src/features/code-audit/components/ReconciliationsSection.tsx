/**
 * The repository's reconciliation jobs, newest first: status, cause, the commits it went from and
 * to, timing, the counts it produced and, for a failed job, its error in full.
 */
import { useState } from "react";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { RelativeTime } from "../../../components/RelativeTime";
import { StatusBadge } from "../../../components/StatusBadge";
import { formatDuration } from "../../../lib/format";
import { formatCount } from "../../audit";
import { isLineStatus, LINE_STATUSES, shortCommit, STATUS_LABEL } from "../status";
import type { Reconciliation } from "../../../api/types";

const SHOWN = 20;

function Commit({ sha }: { sha: string | null | undefined }) {
  return sha ? <code title={sha}>{shortCommit(sha)}</code> : <span className="muted">—</span>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function valueText(value: unknown): string {
  if (typeof value === "number") return formatCount(value);
  if (typeof value === "string" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/**
 * A job's counts: lines per status (in the page's order, zeros left out), other figures after
 * them, and nested groups (the engine's own figures) behind a disclosure.
 */
function Counts({ counts }: { counts: Reconciliation["counts"] }) {
  if (!counts) return <span className="muted">—</span>;
  const entries = Object.entries(counts);
  const statuses = LINE_STATUSES.flatMap((s) => (typeof counts[s] === "number" && counts[s] > 0 ? [[s, counts[s]] as const] : []));
  const others = entries.filter(([name, value]) => !isLineStatus(name) && !isRecord(value));
  const groups = entries.filter((entry): entry is [string, Record<string, unknown>] => isRecord(entry[1]));
  return (
    <div className="code-job-counts">
      <span className="code-job-counts__row">
        {statuses.length === 0 ? <span className="muted">no attributed lines</span> : null}
        {statuses.map(([status, value]) => (
          <span key={status} className="nowrap">
            <span className={`code-swatch code-swatch--${status}`} aria-hidden="true" /> {formatCount(value)} {STATUS_LABEL[status]}
          </span>
        ))}
        {others.map(([name, value]) => (
          <span key={name} className="nowrap muted">
            {name.replaceAll("_", " ")} {valueText(value)}
          </span>
        ))}
      </span>
      {groups.map(([name, group]) => (
        <details key={name} className="code-job-counts__group">
          <summary>{name.replaceAll("_", " ")}</summary>
          <span className="code-job-counts__row">
            {Object.entries(group).map(([key, value]) => (
              <span key={key} className="nowrap">
                {key.replaceAll("_", " ")} <span className="mono">{valueText(value)}</span>
              </span>
            ))}
          </span>
        </details>
      ))}
    </div>
  );
}

function JobRow({ job, now }: { job: Reconciliation; now: number }) {
  return (
    <>
      <tr data-job-id={job.id} data-status={job.status} data-cause={job.cause} data-testid="code-reconciliation-row">
        <td>
          <StatusBadge status={job.status} />
        </td>
        <td>{job.cause}</td>
        <td className="nowrap">
          <Commit sha={job.from_commit} /> → <Commit sha={job.to_commit} />
        </td>
        <td className="nowrap">
          <RelativeTime iso={job.created_at} now={now} />
        </td>
        <td className="num">{job.duration_ms === null || job.duration_ms === undefined ? "—" : formatDuration(job.duration_ms)}</td>
        <td>
          <Counts counts={job.counts} />
        </td>
      </tr>
      {job.error ? (
        <tr className="code-job-error-row" data-job-id={job.id}>
          <td colSpan={6}>
            <p className="code-error" role="note">
              {job.error}
            </p>
          </td>
        </tr>
      ) : null}
    </>
  );
}

interface Props {
  jobs: Reconciliation[] | undefined;
  isPending: boolean;
  error: Error | null;
  now: number;
}

export function ReconciliationsSection({ jobs, isPending, error, now }: Props) {
  const [all, setAll] = useState(false);
  const items = jobs ?? [];
  const shown = all ? items : items.slice(0, SHOWN);
  return (
    <section className="panel code-section" id="code-reconciliations" aria-labelledby="code-reconciliations-title">
      <h2 id="code-reconciliations-title">Reconciliation jobs</h2>
      {isPending ? (
        <Loading label="Loading reconciliation jobs…" />
      ) : error ? (
        <ErrorNotice error={error} title="Could not load reconciliation jobs" />
      ) : items.length === 0 ? (
        <p className="muted">No reconciliation has run yet.</p>
      ) : (
        <>
          <div className="table-scroll">
            <table className="table table--compact" aria-label="Reconciliation jobs">
              <thead>
                <tr>
                  <th scope="col">Status</th>
                  <th scope="col">Cause</th>
                  <th scope="col">Commits</th>
                  <th scope="col">Queued</th>
                  <th scope="col" className="num">
                    Duration
                  </th>
                  <th scope="col">Counts</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((job) => (
                  <JobRow key={job.id} job={job} now={now} />
                ))}
              </tbody>
            </table>
          </div>
          {items.length > shown.length ? (
            <button
              type="button"
              className="button button--small"
              onClick={() => {
                setAll(true);
              }}
            >
              Show all {formatCount(items.length)} jobs
            </button>
          ) : null}
        </>
      )}
    </section>
  );
}
