/**
 * Geometry of the current-vs-touched chart: the repository's history (one point per successful
 * reconciliation, oldest first) placed in an SVG box. x follows time when the points span some
 * time (by index otherwise); y runs from 0 at the bottom to the largest value at the top, so the
 * two lines share one scale and the gap between them is the attributed code that no longer lives.
 */
import { parseTimestamp } from "../../lib/format";
import type { CodeRepoHistoryPoint } from "../../api/types";

export interface ChartBox {
  width: number;
  height: number;
  /** Space kept free on every side (for the stroke and the end dots). */
  padding: number;
}

export interface ChartPoint {
  x: number;
  yCurrent: number;
  yTouched: number;
  source: CodeRepoHistoryPoint;
}

export interface ChartGeometry {
  points: ChartPoint[];
  /** `points` attributes of the two polylines. */
  current: string;
  touched: string;
  /** The value at the top of the box. */
  max: number;
  /** The y of value 0. */
  baseline: number;
}

const round = (n: number) => Math.round(n * 100) / 100;

export function chartGeometry(history: readonly CodeRepoHistoryPoint[], box: ChartBox): ChartGeometry {
  const { width, height, padding } = box;
  const left = padding;
  const right = width - padding;
  const top = padding;
  const bottom = height - padding;
  const max = Math.max(1, ...history.map((p) => Math.max(p.current_lines, p.touched_lines)));
  const times = history.map((p) => parseTimestamp(p.at));
  const known = times.filter((t): t is number => t !== null);
  const first = known.length > 0 ? Math.min(...known) : 0;
  const span = known.length === history.length && known.length > 0 ? Math.max(...known) - first : 0;
  const xOf = (i: number): number => {
    if (history.length === 1) return (left + right) / 2;
    const t = times[i];
    const fraction = span > 0 && t !== null && t !== undefined ? (t - first) / span : i / (history.length - 1);
    return left + fraction * (right - left);
  };
  const yOf = (value: number) => bottom - (Math.max(0, value) / max) * (bottom - top);
  const points = history.map((source, i) => ({
    x: round(xOf(i)),
    yCurrent: round(yOf(source.current_lines)),
    yTouched: round(yOf(source.touched_lines)),
    source,
  }));
  return {
    points,
    current: points.map((p) => `${p.x},${p.yCurrent}`).join(" "),
    touched: points.map((p) => `${p.x},${p.yTouched}`).join(" "),
    max,
    baseline: round(bottom),
  };
}
