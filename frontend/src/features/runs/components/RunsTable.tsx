/**
 * The runs table: newest first, one memoised row per loaded run. Keyboard: Tab lands on one row
 * (roving tab stop), ↑/↓ move between rows, Home/End jump, Enter opens the run.
 */
import { useCallback, useState, type FocusEvent, type KeyboardEvent } from "react";
import { useNavigate } from "react-router";
import { isActiveStatus, type Run } from "../../../api/types";
import { useNow } from "../../../lib/useNow";
import { RunRow } from "./RunRow";

const SLOW_TICK_MS = 30_000;

function rowOf(target: EventTarget): HTMLTableRowElement | null {
  return target instanceof Element ? target.closest<HTMLTableRowElement>("tr[data-run-id]") : null;
}

function focusRow(row: Element | null | undefined): void {
  if (row instanceof HTMLTableRowElement) row.focus();
}

export function RunsTable({ runs }: { runs: Run[] }) {
  const now = useNow(1000);
  const slowNow = Math.floor(now / SLOW_TICK_MS) * SLOW_TICK_MS;
  const navigate = useNavigate();
  const [focusedId, setFocusedId] = useState<string | null>(null);
  const tabbableId = focusedId !== null && runs.some((r) => r.id === focusedId) ? focusedId : runs[0]?.id;

  const onFocus = useCallback((e: FocusEvent<HTMLTableSectionElement>) => {
    const id = rowOf(e.target)?.dataset.runId;
    if (id) setFocusedId(id);
  }, []);

  const onKeyDown = useCallback(
    (e: KeyboardEvent<HTMLTableSectionElement>) => {
      const row = rowOf(e.target);
      if (!row) return;
      const body = e.currentTarget;
      switch (e.key) {
        case "ArrowDown":
          focusRow(row.nextElementSibling);
          break;
        case "ArrowUp":
          focusRow(row.previousElementSibling);
          break;
        case "Home":
          focusRow(body.firstElementChild);
          break;
        case "End":
          focusRow(body.lastElementChild);
          break;
        case "Enter":
          if (e.target !== row || !row.dataset.runId) return;
          void navigate(`/runs/${row.dataset.runId}`);
          break;
        default:
          return;
      }
      e.preventDefault();
    },
    [navigate],
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
