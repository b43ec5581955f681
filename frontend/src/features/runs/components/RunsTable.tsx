/**
 * The runs table: newest first, one memoised row per loaded run. Keyboard: Tab lands on one row
 * (roving tab stop), ↑/↓ move between rows, Home/End jump, Enter opens the run.
 */
import { useCallback } from "react";
import { useNavigate } from "react-router";
import { isActiveStatus, type Run } from "../../../api/types";
import { useNow } from "../../../lib/useNow";
import { useRovingRows } from "../../../lib/useRovingRows";
import { RunRow } from "./RunRow";

const SLOW_TICK_MS = 30_000;

export function RunsTable({ runs }: { runs: Run[] }) {
  const now = useNow(1000);
  const slowNow = Math.floor(now / SLOW_TICK_MS) * SLOW_TICK_MS;
  const navigate = useNavigate();
  const open = useCallback((id: string) => void navigate(`/runs/${id}`), [navigate]);
  const { tabbable: tabbableId, onFocus, onKeyDown } = useRovingRows(
    runs.map((r) => r.id),
    open,
  );

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
            <th scope="col">Started</th>
            <th scope="col" className="num">
              Duration
            </th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody onKeyDown={onKeyDown} onFocus={onFocus}>
          {runs.map((run) => (
            <RunRow
              key={run.id}
              run={run}
              now={isActiveStatus(run.status) ? now : slowNow}
              tabbable={run.id === tabbableId}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}
