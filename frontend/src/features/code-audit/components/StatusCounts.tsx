/**
 * The repository's attributed lines by status, one tile per status (all seven, zeros included).
 * A tile filters the files table to files with lines in that status; the active one is pressed.
 */
import { formatCount } from "../../audit";
import { LINE_STATUSES, STATUS_HELP, STATUS_LABEL } from "../status";
import type { LineStatus, StatusCounts as Counts } from "../../../api/types";

interface Props {
  counts: Counts;
  active: LineStatus | undefined;
  onSelect: (status: LineStatus | undefined) => void;
}

export function StatusCounts({ counts, active, onSelect }: Props) {
  return (
    <ul className="code-counts" aria-label="Attributed lines by status">
      {LINE_STATUSES.map((status) => (
        <li key={status}>
          <button
            type="button"
            className={`code-count code-count--${status}`}
            data-testid={`code-count-${status}`}
            data-count={counts[status]}
            aria-pressed={active === status}
            title={`${STATUS_LABEL[status]}: ${STATUS_HELP[status]}. Click to filter the files.`}
            onClick={() => {
              onSelect(active === status ? undefined : status);
            }}
          >
            <span className="code-count__value">{formatCount(counts[status])}</span>
            <span className="code-count__label">
              <span className={`code-swatch code-swatch--${status}`} aria-hidden="true" /> {STATUS_LABEL[status]}
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}
