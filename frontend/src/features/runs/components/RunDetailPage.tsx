/**
 * `/runs/:runId`: one run for an operator — header and actions, the worker-side error, links,
 * stage timeline, state history, facts, stages, raw JSON and the event ledger. The worker stream
 * keeps it current (see liveUpdates.ts for the debounced refetch of stages and history).
 */
import { Link, useParams } from "react-router";
import { ApiError } from "../../../api/client";
import { isActiveStatus } from "../../../api/types";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { useNow } from "../../../lib/useNow";
import { useRun } from "../hooks/useRun";
import { EventLedger } from "./EventLedger";
import { RawDetail } from "./RawDetail";
import { RunErrorPanel } from "./RunErrorPanel";
import { RunFacts } from "./RunFacts";
import { RunHeader } from "./RunHeader";
import { RunLinks } from "./RunLinks";
import { StagesTable } from "./StagesTable";
import { StageTimeline } from "./StageTimeline";
import { StateHistoryTable } from "./StateHistoryTable";

function BackLink() {
  return (
    <p>
      <Link to="/runs">← Runs</Link>
    </p>
  );
}

export function RunDetailPage() {
  const { runId = "" } = useParams();
  const { data: run, isPending, isError, error } = useRun(runId);
  // Only an active run needs a ticking clock (running stage bars, elapsed time).
  const now = useNow(run && isActiveStatus(run.status) ? 1000 : 60_000);

  if (isPending) return <Loading label="Loading run…" />;
  if (isError) {
    const notFound = error instanceof ApiError && error.status === 404;
    return (
      <section className="page">
        <BackLink />
        <ErrorNotice error={error} title={notFound ? "Run not found" : "Could not load the run"} />
      </section>
    );
  }

  return (
    <section className="page">
      <BackLink />
      <RunHeader run={run} />
      <RunErrorPanel error={run.error} />
      <RunLinks run={run} />
      <StageTimeline stages={run.stages ?? []} now={now} />
      <StateHistoryTable history={run.state_history ?? []} />
      <RunFacts run={run} now={now} />
      <StagesTable stages={run.stages ?? []} />
      <RawDetail run={run} />
      <EventLedger run={run} />
    </section>
  );
}
