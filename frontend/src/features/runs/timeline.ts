/**
 * Layout math for the stage timeline: one bar per stage attempt on a shared time axis, positioned
 * in percent of the run's span so the drawing scales with its container. A running stage extends
 * to `now`; a skipped stage (no start) becomes a zero-width marker at the time it was recorded.
 * Bars are in chronological order: by start, then by the stage's first event seq.
 */
import type { Stage } from "../../api/types";
import { formatDuration, parseTimestamp } from "../../lib/format";

export interface TimelineBar {
  key: string;
  /** "setup", "validate #2": attempts are numbered for repeating stages and any later attempt. */
  label: string;
  status: string;
  startMs: number;
  endMs: number;
  /** Percent of the axis from its start to the bar's start. */
  left: number;
  /** Percent of the axis the bar covers (0 for markers). */
  width: number;
  /** Shown next to the bar; null for markers. */
  durationMs: number | null;
  marker: boolean;
  summary: string | null;
}

export interface TimelineLayout {
  startMs: number;
  endMs: number;
  spanMs: number;
  bars: TimelineBar[];
}

/** Stages the pipeline may run more than once; their attempt is always shown. */
const REPEATING = new Set(["validate", "repair"]);

export function stageLabel(name: string, attempt: number): string {
  return REPEATING.has(name) || attempt > 1 ? `${name} #${attempt}` : name;
}

interface Placed {
  stage: Stage;
  start: number;
  end: number;
  marker: boolean;
}

function place(stage: Stage, now: number): Placed | null {
  const started = parseTimestamp(stage.started_at);
  const finished = parseTimestamp(stage.finished_at);
  const start = started ?? finished;
  if (start === null) return null;
  const marker = started === null || stage.status === "skipped";
  let end = start;
  if (!marker) end = finished ?? (stage.status === "running" ? Math.max(now, start) : start);
  return { stage, start, end, marker };
}

function compareStages(a: Placed, b: Placed): number {
  if (a.start !== b.start) return a.start - b.start;
  const sa = a.stage.first_seq ?? Number.MAX_SAFE_INTEGER;
  const sb = b.stage.first_seq ?? Number.MAX_SAFE_INTEGER;
  return sa - sb;
}

/** The stages in chronological order (by start, then first seq); stages with no time at all go last. */
export function sortStagesChronologically(stages: readonly Stage[]): Stage[] {
  const placed = stages.map((s) => ({ s, p: place(s, 0) }));
  const timed = placed.filter((x): x is { s: Stage; p: Placed } => x.p !== null);
  timed.sort((a, b) => compareStages(a.p, b.p));
  return [...timed.map((x) => x.s), ...placed.filter((x) => x.p === null).map((x) => x.s)];
}

/** Lays out the stages against `now` (used for running stages). Stages with no time at all are left out. */
export function layoutTimeline(stages: readonly Stage[], now: number): TimelineLayout {
  const placed = stages.map((s) => place(s, now)).filter((p): p is Placed => p !== null);
  placed.sort(compareStages);
  if (placed.length === 0) return { startMs: 0, endMs: 0, spanMs: 0, bars: [] };
  const startMs = Math.min(...placed.map((p) => p.start));
  const endMs = Math.max(...placed.map((p) => p.end));
  // A zero span (everything at one instant) still needs a non-zero denominator.
  const spanMs = Math.max(endMs - startMs, 1);
  const bars = placed.map(({ stage, start, end, marker }): TimelineBar => {
    const recorded = stage.duration_ms ?? null;
    return {
      key: `${stage.name}#${stage.attempt}`,
      label: stageLabel(stage.name, stage.attempt),
      status: stage.status,
      startMs: start,
      endMs: end,
      left: ((start - startMs) / spanMs) * 100,
      width: ((end - start) / spanMs) * 100,
      durationMs: marker ? null : (recorded ?? end - start),
      marker,
      summary: stage.summary ?? null,
    };
  });
  return { startMs, endMs, spanMs, bars };
}

export interface AxisTick {
  /** Percent along the axis. */
  at: number;
  label: string;
}

const STEPS = [1, 2, 5];

/** "Nice" tick offsets (1, 2 or 5 × 10^n ms) for a span, at most `maxTicks` + 1 including zero. */
export function axisTicks(spanMs: number, maxTicks = 5): AxisTick[] {
  if (spanMs <= 0) return [{ at: 0, label: "0ms" }];
  const rough = spanMs / maxTicks;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(1, STEPS.map((s) => s * magnitude).find((s) => s >= rough) ?? 10 * magnitude);
  const ticks: AxisTick[] = [];
  for (let i = 0; i * step <= spanMs; i++) {
    const t = i * step;
    ticks.push({ at: (t / spanMs) * 100, label: t === 0 ? "0" : `+${formatDuration(t)}` });
  }
  return ticks;
}
