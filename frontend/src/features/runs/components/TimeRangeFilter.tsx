/**
 * The runs list's time range: presets (last hour, 24 h, 7 days) that set `since`, and custom
 * `datetime-local` inputs, read in local time and stored in the URL as UTC RFC 3339.
 */
import { fromLocalInputValue, presetSince, TIME_PRESETS, toLocalInputValue } from "../filters";

interface Props {
  /** What the range applies to ("Created" for runs, "Finished" for audit records). */
  legend?: string;
  since: string | undefined;
  until: string | undefined;
  onChange: (range: { since?: string | undefined; until?: string | undefined }) => void;
}

export function TimeRangeFilter({ legend = "Created", since, until, onChange }: Props) {
  return (
    <fieldset className="filter-time" aria-label="Time range">
      <legend>{legend}</legend>
      {TIME_PRESETS.map((preset) => (
        <button
          key={preset.label}
          type="button"
          className="button button--small"
          onClick={() => {
            onChange({ since: presetSince(preset.ms, Date.now()), until: undefined });
          }}
        >
          {preset.label}
        </button>
      ))}
      <label className="field field--inline">
        <span>from</span>
        <input
          type="datetime-local"
          aria-label="Since"
          value={toLocalInputValue(since)}
          onChange={(e) => {
            onChange({ since: fromLocalInputValue(e.target.value) });
          }}
        />
      </label>
      <label className="field field--inline">
        <span>to</span>
        <input
          type="datetime-local"
          aria-label="Until"
          value={toLocalInputValue(until)}
          onChange={(e) => {
            onChange({ until: fromLocalInputValue(e.target.value) });
          }}
        />
      </label>
      {since || until ? (
        <button
          type="button"
          className="button button--small"
          onClick={() => {
            onChange({ since: undefined, until: undefined });
          }}
        >
          Any time
        </button>
      ) : null}
    </fieldset>
  );
}
