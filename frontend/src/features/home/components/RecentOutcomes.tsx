/** The last terminal runs: how each ended (reason code and sentence) and how long it took. */
import { Link } from "react-router";
import type { Run } from "../../../api/types";
import { RelativeTime } from "../../../components/RelativeTime";
import { SampleBadge } from "../../../components/SampleBadge";
import { StatusBadge } from "../../../components/StatusBadge";
import { elapsedMs, formatDuration } from "../../../lib/format";

export function RecentOutcomes({ runs, now }: { runs: Run[]; now: number }) {
  return (
    <section className="panel" aria-labelledby="outcomes-title">
      <header className="page__header">
        <h2 id="outcomes-title">Recent outcomes</h2>
        <Link to="/runs">All runs →</Link>
      </header>
      {runs.length === 0 ? (
        <p className="muted">No run has finished yet.</p>
      ) : (
        <table className="table table--compact" aria-label="Recent outcomes">
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Ticket</th>
              <th scope="col">Outcome</th>
              <th scope="col" className="num">
                Duration
              </th>
              <th scope="col">Finished</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => {
              const elapsed = elapsedMs(run, now);
              return (
                <tr key={run.id} data-run-id={run.id} data-status={run.status}>
                  <td>
                    <StatusBadge status={run.status} /> <SampleBadge sample={run.sample} />
                  </td>
                  <td className="cell-ticket">
                    <Link to={`/runs/${run.id}`} className="ticket-key">
                      {run.ticket.key}
                    </Link>
                    <span className="ticket-title">{run.ticket.title}</span>
                  </td>
                  <td>
                    {run.outcome ? (
                      <>
                        <code>{run.outcome.reason_code}</code>
                        {run.outcome.reason ? <span className="muted"> — {run.outcome.reason}</span> : null}
                      </>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td className="num">{elapsed === null ? "—" : formatDuration(elapsed)}</td>
                  <td>{run.finished_at ? <RelativeTime iso={run.finished_at} now={now} /> : "—"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
