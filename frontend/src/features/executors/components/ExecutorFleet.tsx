/** The executor fleet: each executor's status, current run and last heartbeat, kept live by the stream. */
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { RelativeTime } from "../../../components/RelativeTime";
import { StatusBadge } from "../../../components/StatusBadge";
import { executorsQuery } from "../api";

export function ExecutorFleet({ now }: { now: number }) {
  const { data, isPending, isError, error } = useQuery(executorsQuery());
  return (
    <section className="panel" aria-labelledby="fleet-title">
      <h2 id="fleet-title">Executors</h2>
      {isPending ? (
        <Loading label="Loading executors…" />
      ) : isError ? (
        <ErrorNotice error={error} title="Could not load executors" />
      ) : data.items.length === 0 ? (
        <p className="muted">No executors: jobs will wait in the queue until one is started.</p>
      ) : (
        <table className="table table--compact" aria-label="Executors">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Current run</th>
              <th scope="col">Heartbeat</th>
              <th scope="col">Kind</th>
              <th scope="col">Host</th>
              <th scope="col">Version</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((e) => (
              <tr key={e.id} data-executor-id={e.id} data-status={e.status}>
                <td>{e.name}</td>
                <td>
                  <StatusBadge status={e.status} />
                </td>
                <td>{e.current_run_id ? <Link to={`/runs/${e.current_run_id}`}>{e.current_run_id.slice(-8)}</Link> : "—"}</td>
                <td>{e.last_heartbeat_at ? <RelativeTime iso={e.last_heartbeat_at} now={now} /> : "—"}</td>
                <td>{e.kind}</td>
                <td>{e.host}</td>
                <td className="mono">{e.version}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
