/**
 * `/health`: the overall banner and why the worker is idle, one card per check with what to do
 * next and its last hour, the executors with heartbeat ages, and the troubleshooting order. Kept
 * live by `health.changed` on the worker stream; Refresh runs every check now.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { useNow } from "../../../lib/useNow";
import { ExecutorFleet } from "../../executors";
import { healthHistoryQuery, healthQuery, refreshHealth } from "../api";
import { CheckCard } from "./CheckCard";
import { HealthBanner } from "./HealthBanner";
import { TroubleshootingOrder } from "./TroubleshootingOrder";

export function HealthPage() {
  const now = useNow(1000);
  const queryClient = useQueryClient();
  const report = useQuery(healthQuery());
  const history = useQuery(healthHistoryQuery());
  const refresh = useMutation({ mutationFn: () => refreshHealth(queryClient) });

  return (
    <section className="page">
      <header className="page__header">
        <h1>Health</h1>
        <button type="button" className="button" onClick={() => {
            refresh.mutate();
          }} disabled={refresh.isPending} data-testid="health-refresh">
          {refresh.isPending ? "Checking…" : "Refresh"}
        </button>
      </header>
      {refresh.isError ? <ErrorNotice error={refresh.error} title="Could not run the checks" /> : null}
      {report.isPending ? (
        <Loading label="Loading health…" />
      ) : report.isError ? (
        <ErrorNotice error={report.error} title="Could not load health" />
      ) : (
        <>
          <HealthBanner report={report.data} />
          <div className="health-checks">
            {report.data.checks.map((c) => (
              <CheckCard
                key={c.name}
                check={c}
                now={now}
                timeline={history.data?.checks.find((l) => l.name === c.name)}
                window={history.data ? { since: history.data.since, until: history.data.until } : undefined}
              />
            ))}
          </div>
        </>
      )}
      <ExecutorFleet now={now} />
      <TroubleshootingOrder />
    </section>
  );
}
