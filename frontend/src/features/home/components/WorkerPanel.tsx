/** Who this worker is: name, version, role and uptime (counted on from the last fetch). */
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { formatAbsolute, formatDuration } from "../../../lib/format";
import { useWorkerInfo } from "../../worker";

export function WorkerPanel({ now }: { now: number }) {
  const { data, isPending, isError, error, dataUpdatedAt } = useWorkerInfo();
  return (
    <section className="panel" aria-labelledby="worker-title">
      <h2 id="worker-title">Worker</h2>
      {isPending ? (
        <Loading label="Loading worker…" />
      ) : isError ? (
        <ErrorNotice error={error} title="Could not load the worker" />
      ) : (
        <dl className="summary">
          <div className="summary__item">
            <dt>Name</dt>
            <dd data-testid="home-worker-name">{data.name}</dd>
          </div>
          <div className="summary__item">
            <dt>Version</dt>
            <dd className="mono">v{data.version}</dd>
          </div>
          <div className="summary__item">
            <dt>Role</dt>
            <dd>{data.role}</dd>
          </div>
          <div className="summary__item">
            <dt>Uptime</dt>
            <dd title={`started ${formatAbsolute(data.started_at)}`} data-testid="home-uptime">
              {formatDuration(data.uptime_s * 1000 + Math.max(0, now - dataUpdatedAt))}
            </dd>
          </div>
        </dl>
      )}
    </section>
  );
}
