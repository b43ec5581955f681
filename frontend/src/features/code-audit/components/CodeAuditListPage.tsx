/**
 * `/audit/code`: every repository with Code Audit evidence — how much of it an AI wrote, how much
 * of that is still there, what waits to be merged, and whether reconciliation is healthy. The list
 * refreshes while a reconciliation is queued or running.
 */
import { useQuery } from "@tanstack/react-query";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { useNow } from "../../../lib/useNow";
import { reposQuery } from "../api";
import { isReconciling } from "../status";
import { RepoTable } from "./RepoTable";
import { StatusLegend } from "./StatusLegend";
import { ComplianceBadge } from "../../settings";

const POLL_MS = 2000;

function EmptyState() {
  return (
    <div className="panel code-empty" data-testid="code-audit-empty">
      <h2>No repository has Code Audit evidence yet</h2>
      <p>
        Evidence appears when a run <strong>publishes</strong>: the lines it added are recorded per file, tied to its
        ticket, run, provider and model. Runs executed elsewhere can send theirs with{" "}
        <code>POST /api/v1/code-audit/evidence</code>.
      </p>
      <p>
        Lines stay <em>pending</em> until the run&apos;s branch reaches the repository&apos;s tracked branch (merge,
        squash or rebase); reconciliation then follows the branch and keeps each line&apos;s status current.
      </p>
    </div>
  );
}

export function CodeAuditListPage() {
  const now = useNow(30_000);
  const { data, isPending, isError, error } = useQuery({
    ...reposQuery(),
    refetchInterval: (query) => (query.state.data?.items.some((r) => isReconciling(r.reconciliation.status)) ? POLL_MS : false),
  });

  return (
    <section className="page">
      <header className="page__header">
        <h1>Code Audit</h1>
        <ComplianceBadge />
        <p className="muted page__lede">Which lines in each repository an AI wrote, for which ticket and run, and whether they are still there.</p>
      </header>
      {isPending ? (
        <Loading label="Loading repositories…" />
      ) : isError ? (
        <ErrorNotice error={error} title="Could not load Code Audit repositories" />
      ) : data.items.length === 0 ? (
        <EmptyState />
      ) : (
        <>
          <RepoTable repos={data.items} now={now} />
          <StatusLegend />
        </>
      )}
    </section>
  );
}
