/**
 * The Code Audit list: one row per repository with evidence — remote, tracked branch, size,
 * attributed lines (current, touched, pending), reconciliation health with its error in full when
 * the last job failed, and the current-vs-touched chart. Rows are keyboard-navigable (Enter opens).
 */
import { useCallback } from "react";
import { Link, useNavigate } from "react-router";
import { RelativeTime } from "../../../components/RelativeTime";
import { formatAbsolute } from "../../../lib/format";
import { formatCount } from "../../audit";
import { useRovingRows } from "../../../lib/useRovingRows";
import { shortCommit } from "../status";
import type { CodeRepo } from "../../../api/types";
import { HistoryChart } from "./HistoryChart";
import { ReconciliationState } from "./ReconciliationState";

function RepoRow({ repo, now, tabbable }: { repo: CodeRepo; now: number; tabbable: boolean }) {
  return (
    <tr
      data-key={repo.id}
      data-repo-id={repo.id}
      data-testid="code-repo-row"
      data-reconciliation={repo.reconciliation.status ?? "none"}
      tabIndex={tabbable ? 0 : -1}
      className="row-nav"
    >
      <td className="cell-repo">
        <Link to={`/audit/code/${repo.id}`} className="code-repo__name" tabIndex={-1}>
          {repo.name}
        </Link>
        <div className="mono muted code-repo__url" title={repo.url}>
          {repo.url}
        </div>
      </td>
      <td data-col="branch">{repo.default_branch ? <code>{repo.default_branch}</code> : <span className="muted">not detected yet</span>}</td>
      <td className="num" data-col="loc">
        {formatCount(repo.loc_total)}
      </td>
      <td className="num" data-col="current">
        {formatCount(repo.current_lines)}
      </td>
      <td className="num" data-col="touched">
        {formatCount(repo.touched_lines)}
      </td>
      <td className="num" data-col="pending">
        {formatCount(repo.pending_lines)}
      </td>
      <td className="num" data-col="failed">
        {repo.failed_reconciliations > 0 ? (
          <span className="verdict verdict--fail">{formatCount(repo.failed_reconciliations)}</span>
        ) : (
          "0"
        )}
      </td>
      <td className="nowrap" data-col="last-reconciled">
        {repo.last_reconciled_commit ? (
          <code title={repo.last_reconciled_commit}>{shortCommit(repo.last_reconciled_commit)}</code>
        ) : (
          <span className="muted">never</span>
        )}
        {repo.last_reconciled_at ? (
          <div className="muted" title={formatAbsolute(repo.last_reconciled_at)}>
            <RelativeTime iso={repo.last_reconciled_at} now={now} />
          </div>
        ) : null}
      </td>
      <td className="cell-reconciliation" data-col="reconciliation">
        <ReconciliationState state={repo.reconciliation} />
      </td>
      <td data-col="history">
        <HistoryChart history={repo.history} />
      </td>
    </tr>
  );
}

export function RepoTable({ repos, now }: { repos: CodeRepo[]; now: number }) {
  const navigate = useNavigate();
  const open = useCallback(
    (id: string) => {
      void navigate(`/audit/code/${id}`);
    },
    [navigate],
  );
  const keys = repos.map((r) => r.id);
  const { tabbable, onFocus, onKeyDown } = useRovingRows(keys, open);
  return (
    <div className="table-wrap">
      <table className="table" aria-label="Repositories">
        <thead>
          <tr>
            <th scope="col">Repository</th>
            <th scope="col">Tracked branch</th>
            <th scope="col" className="num" title="Lines of the text files at the reconciled commit">
              Total LOC
            </th>
            <th scope="col" className="num" title="Attributed lines present now (current + moved)">
              Current
            </th>
            <th scope="col" className="num" title="Every line any run ever added (history)">
              Touched
            </th>
            <th scope="col" className="num" title="Lines of runs whose work is not on the tracked branch yet">
              Pending
            </th>
            <th scope="col" className="num" title="Failed reconciliation jobs">
              Failed
            </th>
            <th scope="col">Last reconciled</th>
            <th scope="col">Reconciliation</th>
            <th scope="col">Current vs touched</th>
          </tr>
        </thead>
        <tbody onKeyDown={onKeyDown} onFocus={onFocus}>
          {repos.map((repo) => (
            <RepoRow key={repo.id} repo={repo} now={now} tabbable={repo.id === tabbable} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
