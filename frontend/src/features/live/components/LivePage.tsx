/**
 * `/live/:job_id`: where an operator watches an agent work. Shows the job's active run, or its
 * latest, with a picker for earlier attempts (`?run=` in the URL), then the run's live log.
 */
import { useQuery } from "@tanstack/react-query";
import { Link, useParams, useSearchParams } from "react-router";
import { ApiError } from "../../../api/client";
import { isActiveStatus } from "../../../api/types";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { StatusBadge } from "../../../components/StatusBadge";
import { runDetailQuery } from "../../runs";
import { jobQuery } from "../api";
import { CancelButton } from "./CancelButton";
import { LiveRunView } from "./LiveRunView";

function LiveRun({ runId, jobId }: { runId: string; jobId: string }) {
  const run = useQuery(runDetailQuery(runId));
  if (run.isPending) return <Loading label="Loading run…" />;
  if (run.isError) return <ErrorNotice error={run.error} title="Could not load the run" />;
  return (
    <>
      <div className="actions live-run__head" data-testid="live-run" data-run-id={run.data.id}>
        <StatusBadge status={run.data.status} />
        {run.data.stage ? <span className="muted">stage {run.data.stage}</span> : null}
        <Link to={`/runs/${run.data.id}`}>Run details</Link>
        <CancelButton run={run.data} />
      </div>
      <LiveRunView key={run.data.id} run={run.data} jobId={jobId} />
    </>
  );
}

export function LivePage() {
  const { jobId = "" } = useParams();
  const job = useQuery(jobQuery(jobId));
  const [params, setParams] = useSearchParams();

  if (job.isPending) return <Loading label="Loading job…" />;
  if (job.isError) {
    const notFound = job.error instanceof ApiError && job.error.status === 404;
    return (
      <section className="page">
        <ErrorNotice error={job.error} title={notFound ? "Job not found" : "Could not load the job"} />
      </section>
    );
  }

  const runs = job.data.runs;
  const chosen = params.get("run");
  const run = runs.find((r) => r.id === chosen) ?? runs.find((r) => isActiveStatus(r.status)) ?? runs[runs.length - 1];

  return (
    <section className="page live-page">
      <header className="page__header">
        <h1>
          <span className="ticket-key">{job.data.ticket.key}</span>
          {job.data.ticket.title}
        </h1>
        {runs.length > 1 ? (
          <label className="field field--inline">
            <span>Attempt</span>
            <select
              aria-label="Run"
              value={run?.id ?? ""}
              onChange={(e) => {
                setParams((prev) => {
                  const out = new URLSearchParams(prev);
                  out.set("run", e.target.value);
                  out.delete("q");
                  return out;
                });
              }}
            >
              {runs.map((r) => (
                <option key={r.id} value={r.id}>
                  #{r.attempt} · {r.status}
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </header>
      {run ? <LiveRun key={run.id} runId={run.id} jobId={jobId} /> : <p className="muted">This job has no runs.</p>}
    </section>
  );
}
