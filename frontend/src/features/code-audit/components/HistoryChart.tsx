/**
 * Current vs touched attributed lines over time, as a hand-drawn SVG (geometry in ../chart.ts).
 * Touched lines only grow (history is append-only); the gap below them is attributed code that was
 * since superseded, deleted or not merged. Each point has a tooltip with its commit and values.
 */
import { formatAbsolute } from "../../../lib/format";
import { formatCount } from "../../audit";
import { chartGeometry } from "../chart";
import { shortCommit } from "../status";
import type { CodeRepoHistoryPoint } from "../../../api/types";

interface Props {
  history: CodeRepoHistoryPoint[];
  width?: number;
  height?: number;
  /** Show the top value and the first/last dates (the repository page's larger chart). */
  axes?: boolean;
}

function pointTitle(p: CodeRepoHistoryPoint): string {
  return `${formatAbsolute(p.at)}\ncommit ${shortCommit(p.commit)}\ncurrent ${formatCount(p.current_lines)}, touched ${formatCount(p.touched_lines)}`;
}

export function HistoryChart({ history, width = 160, height = 44, axes = false }: Props) {
  if (history.length === 0) {
    return <span className="muted history-chart__none">no reconciliation yet</span>;
  }
  const geometry = chartGeometry(history, { width, height, padding: 4 });
  const last = history[history.length - 1];
  const label = last
    ? `Current and touched lines over ${history.length} reconciliation${history.length === 1 ? "" : "s"}: now ${formatCount(last.current_lines)} current of ${formatCount(last.touched_lines)} touched`
    : "";
  const firstAt = history[0]?.at;
  return (
    <figure className={`history-chart${axes ? " history-chart--axes" : ""}`} data-testid="code-history-chart">
      <svg
        className="history-chart__svg"
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={label}
      >
        <title>{label}</title>
        <line className="history-chart__baseline" x1={0} x2={width} y1={geometry.baseline} y2={geometry.baseline} />
        {/* Touched is drawn over current, dashed, so both show where they are equal. */}
        <polyline className="history-chart__line history-chart__line--current" points={geometry.current} />
        <polyline className="history-chart__line history-chart__line--touched" points={geometry.touched} />
        {geometry.points.map((p, i) => (
          <g key={i}>
            <title>{pointTitle(p.source)}</title>
            <circle className="history-chart__dot history-chart__dot--touched" cx={p.x} cy={p.yTouched} r={i === geometry.points.length - 1 ? 2.5 : 1.5} />
            <circle className="history-chart__dot history-chart__dot--current" cx={p.x} cy={p.yCurrent} r={i === geometry.points.length - 1 ? 2.5 : 1.5} />
          </g>
        ))}
      </svg>
      {axes ? (
        <figcaption className="history-chart__caption">
          <span className="history-chart__key history-chart__key--current">current</span>{" "}
          <span className="history-chart__key history-chart__key--touched">touched</span>{" "}
          <span className="muted">
            max {formatCount(geometry.max)}
            {firstAt && last ? ` · ${firstAt.slice(0, 10)} → ${last.at.slice(0, 10)}` : ""}
          </span>
        </figcaption>
      ) : null}
    </figure>
  );
}
