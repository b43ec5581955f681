/**
 * Turns a check's status changes into segments across a time window, as fractions of its width,
 * for the hour timeline.
 */
import type { HealthStatus, StatusPoint } from "../../api/types";

export interface Segment {
  status: HealthStatus;
  /** Start and end as fractions (0–1) of the window. */
  from: number;
  to: number;
  /** The change's time, for the tooltip. */
  at: string;
}

/**
 * Segments for `points` (oldest first) within `[since, until]` (ms). Before the first point there
 * is no data (the process had not started), so nothing is drawn there.
 */
export function segments(points: readonly StatusPoint[], since: number, until: number): Segment[] {
  const span = until - since;
  if (span <= 0) return [];
  const clamp = (t: number) => Math.min(1, Math.max(0, (t - since) / span));
  const out: Segment[] = [];
  points.forEach((p, i) => {
    const start = Date.parse(p.at);
    const next = points[i + 1];
    const end = next ? Date.parse(next.at) : until;
    if (Number.isNaN(start) || Number.isNaN(end)) return;
    const from = clamp(start);
    const to = clamp(end);
    if (to > from) out.push({ status: p.status, from, to, at: p.at });
  });
  return out;
}
