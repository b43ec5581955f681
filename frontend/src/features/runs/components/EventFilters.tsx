/** Filters of the event ledger: kinds (comma list, with suggestions) and stage. */
import { DebouncedInput } from "../../../components/DebouncedInput";
import type { EventFilters as Filters } from "../api";

const KNOWN_KINDS = [
  "run.state",
  "stage.started",
  "stage.finished",
  "log",
  "provider.started",
  "provider.session",
  "provider.exited",
  "message",
  "reasoning",
  "tool.started",
  "tool.completed",
  "command.started",
  "command.finished",
  "file.changed",
  "usage",
  "warning",
  "error",
];

interface Props {
  filters: Filters;
  stages: string[];
  onChange: (patch: Filters) => void;
}

export function EventFilters({ filters, stages, onChange }: Props) {
  return (
    <div className="filters__row" role="search" aria-label="Filter events">
      <label className="field">
        <span>Kind</span>
        <DebouncedInput
          list="event-kinds"
          value={filters.kind ?? ""}
          placeholder="e.g. log,command.started"
          onCommit={(kind) => {
            onChange({ ...filters, kind: kind.trim() || undefined });
          }}
        />
        <datalist id="event-kinds">
          {KNOWN_KINDS.map((k) => (
            <option key={k} value={k} />
          ))}
        </datalist>
      </label>
      <label className="field">
        <span>Stage</span>
        <select
          value={filters.stage ?? ""}
          onChange={(e) => {
            onChange({ ...filters, stage: e.target.value || undefined });
          }}
        >
          <option value="">all stages</option>
          {stages.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
