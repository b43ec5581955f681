/** The runs table: newest first, one row per run. */
import type { Run } from "../../../api/types";
import { useNow } from "../../../lib/useNow";
import { RunRow } from "./RunRow";

export function RunsTable({ runs }: { runs: Run[] }) {
  const now = useNow(1000);
  return (
    <div className="table-wrap">
      <table className="table" aria-label="Runs">
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Ticket</th>
            <th scope="col">Repository</th>
            <th scope="col">Provider / model</th>
            <th scope="col">Stage</th>
            <th scope="col">Created</th>
            <th scope="col" className="num">
              Duration
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <RunRow key={run.id} run={run} now={now} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
