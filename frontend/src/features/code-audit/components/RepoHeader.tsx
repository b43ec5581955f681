/**
 * The top of a repository's page: name and remote, tracked branch (editable), "Reconcile now"
 * with the job's progress, the exports, the latest reconciliation's error when it failed, the
 * headline numbers and the history chart.
 */
import type { ReactNode } from "react";
import { RelativeTime } from "../../../components/RelativeTime";
import { formatAbsolute } from "../../../lib/format";
import { formatCount } from "../../audit";
import { exportPath } from "../filters";
import { useRequestReconciliation } from "../hooks/useReconcile";
import { shortCommit } from "../status";
import type { CodeRepo } from "../../../api/types";
import { BranchForm } from "./BranchForm";
import { HistoryChart } from "./HistoryChart";
import { ReconciliationState } from "./ReconciliationState";
import { ComplianceBadge } from "../../settings";

function Item({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="summary__item" data-testid={testId}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

const EXPORTS = [
  { testId: "code-export-csv-ranges", label: "CSV (ranges)", format: "csv", level: "ranges" },
  { testId: "code-export-csv-files", label: "CSV (files)", format: "csv", level: "files" },
  { testId: "code-export-json", label: "JSON", format: "json", level: undefined },
  { testId: "code-export-agent-trace", label: "Agent Trace", format: "agent-trace", level: undefined },
] as const;

function ReconcileButton({ repoId, active }: { repoId: string; active: boolean }) {
  const request = useRequestReconciliation(repoId);
  const busy = active || request.isPending;
  return (
    <>
      <button
        type="button"
        className="button button--small button--primary"
        data-testid="code-reconcile"
        disabled={busy}
        aria-describedby="code-reconcile-state"
        onClick={() => {
          request.mutate();
        }}
      >
        {busy ? "Reconciling…" : "Reconcile now"}
      </button>
      <span id="code-reconcile-state" className="muted" role="status">
        {active ? "a reconciliation is running" : ""}
      </span>
      {request.error ? (
        <span className="form-error" role="alert">
          {request.error.message}
        </span>
      ) : null}
    </>
  );
}

export function RepoHeader({ repo, now, reconciling }: { repo: CodeRepo; now: number; reconciling: boolean }) {
  return (
    <header className="panel code-header">
      <div className="page__header">
        <div>
          <h1>{repo.name}</h1>
          <ComplianceBadge />
          <div className="mono muted code-repo__url" title={repo.url} data-testid="code-repo-url">
            {repo.url}
          </div>
        </div>
        <div className="actions">
          <ReconcileButton repoId={repo.id} active={reconciling} />
        </div>
      </div>
      {repo.reconciliation.status === "failed" && repo.reconciliation.error ? (
        <div className="notice notice--error" role="alert" data-testid="code-reconciliation-failed">
          <strong>The last reconciliation failed</strong>
          <p className="pre">{repo.reconciliation.error}</p>
        </div>
      ) : null}
      <div className="code-header__body">
        <dl className="summary">
          <Item label="Tracked branch">
            <BranchForm repo={repo} />
          </Item>
          <Item label="Total LOC" testId="code-loc-total">
            {formatCount(repo.loc_total)}
          </Item>
          <Item label="Current lines" testId="code-current-lines">
            {formatCount(repo.current_lines)}
          </Item>
          <Item label="Touched lines" testId="code-touched-lines">
            {formatCount(repo.touched_lines)}
          </Item>
          <Item label="Pending lines">{formatCount(repo.pending_lines)}</Item>
          <Item label="Failed reconciliations">{formatCount(repo.failed_reconciliations)}</Item>
          <Item label="Last reconciled" testId="code-last-reconciled">
            {repo.last_reconciled_commit ? <code title={repo.last_reconciled_commit}>{shortCommit(repo.last_reconciled_commit)}</code> : "never"}
            {repo.last_reconciled_at ? (
              <span className="muted" title={formatAbsolute(repo.last_reconciled_at)}>
                {" "}
                <RelativeTime iso={repo.last_reconciled_at} now={now} />
              </span>
            ) : null}
          </Item>
          <Item label="Reconciliation" testId="code-reconciliation-status">
            <ReconciliationState state={repo.reconciliation} showError={false} />
          </Item>
        </dl>
        <HistoryChart history={repo.history} width={320} height={90} axes />
      </div>
      <nav className="actions" aria-label="Export">
        <span className="muted">Export</span>
        {EXPORTS.map((e) => (
          <a key={e.testId} className="button button--small" data-testid={e.testId} href={exportPath(repo.id, e.format, e.level)} download>
            {e.label}
          </a>
        ))}
      </nav>
    </header>
  );
}
