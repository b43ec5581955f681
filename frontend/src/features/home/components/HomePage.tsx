/**
 * `/`: the worker at a glance — identity, executor fleet, what is running now (with its live
 * stream), recent outcomes, and first-run help while there are no runs at all.
 */
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { TERMINAL_STATUSES } from "../../../api/types";
import { useNow } from "../../../lib/useNow";
import { ExecutorFleet } from "../../executors";
import { useRunsList } from "../../runs";
import { CurrentRuns } from "./CurrentRuns";
import { FirstRunPanel } from "./FirstRunPanel";
import { RecentOutcomes } from "./RecentOutcomes";
import { WorkerPanel } from "./WorkerPanel";

const RECENT = 10;

export function HomePage() {
  const now = useNow(1000);
  const active = useRunsList({ status: ["queued", "running"] });
  const recent = useRunsList({ status: [...TERMINAL_STATUSES] }, RECENT);
  const noRuns = active.isSuccess && recent.isSuccess && active.runs.length === 0 && recent.runs.length === 0;

  return (
    <section className="page">
      <header className="page__header">
        <h1>Home</h1>
      </header>
      <div className="home-grid">
        <WorkerPanel now={now} />
        <ExecutorFleet now={now} />
      </div>
      {noRuns ? <FirstRunPanel /> : null}
      {active.isPending || recent.isPending ? (
        <Loading label="Loading runs…" />
      ) : active.isError || recent.isError ? (
        <ErrorNotice error={active.error ?? recent.error} title="Could not load runs" />
      ) : noRuns ? null : (
        <>
          <CurrentRuns runs={active.runs} now={now} />
          <RecentOutcomes runs={recent.runs.slice(0, RECENT)} now={now} />
        </>
      )}
    </section>
  );
}
