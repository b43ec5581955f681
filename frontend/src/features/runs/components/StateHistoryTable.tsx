/** A run's state changes, oldest first. */
import type { StateChange } from "../../../api/types";
import { StatusBadge } from "../../../components/StatusBadge";
import { formatAbsolute } from "../../../lib/format";

export function StateHistoryTable({ history }: { history: StateChange[] }) {
  return (
    <section className="panel">
      <h2>State history</h2>
      {history.length === 0 ? (
        <p className="muted">No state changes recorded.</p>
      ) : (
        <table className="table table--compact" aria-label="State history">
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Stage</th>
              <th scope="col">At</th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {history.map((change, i) => (
              <tr key={`${change.at}-${i}`} data-status={change.status}>
                <td>
                  <StatusBadge status={change.status} />
                </td>
                <td>{change.stage ?? "—"}</td>
                <td>{formatAbsolute(change.at)}</td>
                <td>{change.note ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
