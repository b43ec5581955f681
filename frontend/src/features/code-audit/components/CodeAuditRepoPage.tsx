/**
 * `/audit/code/:repoId`: one repository's Code Audit — counts by status, tracked branch,
 * reconciliation and exports; the files with attributed lines and the file view (`?file=`, with
 * `&line=` for an open line's evidence); the runs behind the evidence with their diffs; and the
 * reconciliation jobs.
 */
import { useQuery } from "@tanstack/react-query";
import { useCallback } from "react";
import { Link, useParams } from "react-router";
import { ApiError } from "../../../api/client";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { useNow } from "../../../lib/useNow";
import { repoDetailQuery } from "../api";
import { useReconciliations } from "../hooks/useReconcile";
import { useRepoView } from "../hooks/useRepoView";
import { FilesSection } from "./FilesSection";
import { FileView } from "./FileView";
import { ReconciliationsSection } from "./ReconciliationsSection";
import { RepoHeader } from "./RepoHeader";
import { RunsSection } from "./RunsSection";
import { StatusCounts } from "./StatusCounts";
import { StatusLegend } from "./StatusLegend";

function BackLink() {
  return (
    <p>
      <Link to="/audit/code">← Code Audit</Link>
    </p>
  );
}

export function CodeAuditRepoPage() {
  const { repoId = "" } = useParams();
  const now = useNow(30_000);
  const [view, setView] = useRepoView();
  const { data: repo, isPending, isError, error } = useQuery(repoDetailQuery(repoId));
  const jobs = useReconciliations(repoId);
  const pinLine = useCallback(
    (line: number | undefined) => {
      setView({ line });
    },
    [setView],
  );

  if (isPending) return <Loading label="Loading the repository…" />;
  if (isError) {
    const notFound = error instanceof ApiError && error.status === 404;
    return (
      <section className="page">
        <BackLink />
        {notFound ? (
          <div className="notice notice--error" role="alert" data-testid="code-repo-not-found">
            <strong>Repository not found</strong>
            <p>
              No repository <code>{repoId}</code> has Code Audit evidence.
            </p>
          </div>
        ) : (
          <ErrorNotice error={error} title="Could not load the repository" />
        )}
      </section>
    );
  }

  return (
    <article className="page code-audit" aria-label="Code Audit of a repository">
      <BackLink />
      <RepoHeader repo={repo} now={now} reconciling={jobs.active} />
      <StatusCounts
        counts={repo.status_counts}
        active={view.status}
        onSelect={(status) => {
          setView({ status });
        }}
      />
      <StatusLegend />
      <FilesSection repoId={repo.id} view={view} onChange={setView} />
      {view.file !== undefined ? (
        <FileView
          key={view.file}
          repoId={repo.id}
          path={view.file}
          pinnedLine={view.line}
          onPin={pinLine}
          onClose={() => {
            setView({ file: undefined, line: undefined }, { push: true });
          }}
        />
      ) : null}
      <RunsSection repoId={repo.id} />
      <ReconciliationsSection jobs={jobs.data?.items} isPending={jobs.isPending} error={jobs.error} now={now} />
    </article>
  );
}
