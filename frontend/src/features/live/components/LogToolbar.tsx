/** The viewer's controls: kind filters, sections, timestamps, downloads and the stream state. */
import { CATEGORIES, CATEGORY_LABEL, type Category } from "../rows";
import type { FollowState } from "../runStream";
import { downloadUrl } from "../api";
import type { TimeMode } from "./LogRow";

const STREAM_LABEL: Record<FollowState, string> = {
  connecting: "connecting",
  open: "live",
  reconnecting: "reconnecting",
  ended: "complete",
  closed: "closed",
};

interface Props {
  runId: string;
  show: ReadonlySet<Category>;
  onToggleFilter: (category: Category) => void;
  onAllSections: (open: boolean) => void;
  timeMode: TimeMode;
  onTimeMode: (mode: TimeMode) => void;
  stream: FollowState;
  eventsRetained: boolean;
}

export function LogToolbar(props: Props) {
  const { runId, show, onToggleFilter, onAllSections, timeMode, onTimeMode, stream, eventsRetained } = props;
  return (
    <div className="live-toolbar">
      <fieldset className="live-toolbar__filters">
        <legend className="muted">Show</legend>
        {CATEGORIES.map((category) => (
          <label key={category} className="check">
            <input
              type="checkbox"
              checked={show.has(category)}
              onChange={() => {
                onToggleFilter(category);
              }}
            />
            {CATEGORY_LABEL[category]}
          </label>
        ))}
      </fieldset>
      <div className="actions">
        <button type="button" className="button button--small" onClick={() => { onAllSections(true); }}>
          Expand all
        </button>
        <button type="button" className="button button--small" onClick={() => { onAllSections(false); }}>
          Collapse all
        </button>
        <button
          type="button"
          className="button button--small"
          aria-pressed={timeMode === "relative"}
          onClick={() => {
            onTimeMode(timeMode === "absolute" ? "relative" : "absolute");
          }}
        >
          {timeMode === "absolute" ? "Relative times" : "Clock times"}
        </button>
        {eventsRetained ? (
          <>
            <a className="button button--small" href={downloadUrl(runId, "log.txt")} download>
              Download text
            </a>
            <a className="button button--small" href={downloadUrl(runId, "events.ndjson")} download>
              Download NDJSON
            </a>
          </>
        ) : null}
        <span className={`stream-state stream-state--${stream === "ended" ? "open" : stream}`} data-testid="live-stream-state">
          {STREAM_LABEL[stream]}
        </span>
      </div>
    </div>
  );
}
