/** `/runs/:runId`: one run's status, facts, outcome, state history and stages. */
import { Link, useParams } from "react-router";
import { ApiError } from "../../../api/client";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { StatusBadge } from "../../../components/StatusBadge";
import { useNow } from "../../../lib/useNow";
import { useRun } from "../hooks/useRun";
import { RunFacts } from "./RunFacts";
import { RunOutcome } from "./RunOutcome";
import { StagesTable } from "./StagesTable";
import { StateHistoryTable } from "./StateHistoryTable";

export function RunDetailPage() {
  const { runId = "" } = useParams();
  const { data: run, isPending, isError, error } = useRun(runId);
  const now = useNow(1000);

  if (isPending) return <Loading label="Loading run…" />;
  if (isError) {
    const notFound = error instanceof ApiError && error.status === 404;
    return (
      <section className="page">
        <p>
          <Link to="/runs">← Runs</Link>
        </p>
        <ErrorNotice error={error} title={notFound ? "Run not found" : "Could not load the run"} />
      </section>
    );
  }

  return (
    <section className="page">
      <p>
        <Link to="/runs">← Runs</Link>
      </p>
      <header className="page__header">
        <h1>
          <span className="ticket-key">{run.ticket.key}</span> {run.ticket.title}
        </h1>
        <StatusBadge status={run.status} />
      </header>
      <RunFacts run={run} now={now} />
      <RunOutcome run={run} />
      <StateHistoryTable history={run.state_history ?? []} />
      <StagesTable stages={run.stages ?? []} />
    </section>
  );
}
