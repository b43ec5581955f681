/**
 * Stage sections of a run's log. A section starts at its stage's `first_seq` and runs until the
 * next section starts (the worker's own follow-up commands for a stage come after its
 * `stage.finished`), the last one open-ended; events before the first stage form a "run" section.
 * Stages come from the run's `stages[]`, completed by stage events seen on the stream, so a stage
 * that just started gets its section before the run is refetched.
 */
import type { Event, Stage } from "../../api/types";

export interface Section {
  key: string;
  name: string;
  attempt: number | null;
  status: string;
  summary: string | null;
  first: number;
  /** Inclusive; Infinity for the last section. */
  last: number;
}

/** What a stage event tells about its stage. */
export interface StageMark {
  name: string;
  attempt: number;
  first: number;
  status: string;
  summary: string | null;
}

export function stageKey(name: string, attempt: number | null): string {
  return attempt === null ? name : `${name}#${attempt}`;
}

/** Folds a stage event into the marks (keyed by stage and attempt); answers whether it was one. */
export function noteStageEvent(marks: Map<string, StageMark>, event: Event): boolean {
  if (event.kind !== "stage.started" && event.kind !== "stage.finished") return false;
  if (!event.stage) return false;
  const attempt = event.attempt ?? 1;
  const key = stageKey(event.stage, attempt);
  const known = marks.get(key);
  const data: unknown = event.data;
  const dataStatus =
    typeof data === "object" && data !== null && typeof (data as { status?: unknown }).status === "string"
      ? (data as { status: string }).status
      : null;
  const status = event.kind === "stage.started" ? (known?.status ?? "running") : (dataStatus ?? "succeeded");
  marks.set(key, {
    name: event.stage,
    attempt,
    first: Math.min(known?.first ?? event.seq, event.seq),
    status: event.kind === "stage.finished" ? status : (known?.status ?? status),
    summary: event.kind === "stage.finished" ? (event.text ?? null) : (known?.summary ?? null),
  });
  return true;
}

/** Builds the sections covering seq 1..∞ from the API's stages and the stage events seen. */
export function buildSections(stages: readonly Stage[], marks: ReadonlyMap<string, StageMark>): Section[] {
  const byKey = new Map<string, StageMark>(marks);
  for (const stage of stages) {
    if (stage.first_seq === null || stage.first_seq === undefined) continue;
    const key = stageKey(stage.name, stage.attempt);
    const mark = byKey.get(key);
    byKey.set(key, {
      name: stage.name,
      attempt: stage.attempt,
      first: Math.min(stage.first_seq, mark?.first ?? stage.first_seq),
      // The stream may be ahead of a cached run: a finished mark beats a "running" stage.
      status: stage.status === "running" && mark && mark.status !== "running" ? mark.status : stage.status,
      summary: stage.summary ?? mark?.summary ?? null,
    });
  }
  const ordered = [...byKey.entries()].sort((a, b) => a[1].first - b[1].first);
  const sections: Section[] = [];
  const firstStart = ordered[0]?.[1].first ?? Infinity;
  if (firstStart > 1) {
    sections.push({ key: "run", name: "run", attempt: null, status: "", summary: null, first: 1, last: firstStart - 1 });
  }
  ordered.forEach(([key, mark], i) => {
    const next = ordered[i + 1]?.[1].first ?? Infinity;
    sections.push({ key, name: mark.name, attempt: mark.attempt, status: mark.status, summary: mark.summary, first: mark.first, last: next - 1 });
  });
  if (sections.length > 0) {
    const tail = sections[sections.length - 1];
    if (tail) tail.last = Infinity;
  }
  return sections;
}

/** Which sections start open: the running and the failing (or cancelled) ones. */
export function isOpenByDefault(section: Section): boolean {
  return section.status === "running" || section.status === "failed" || section.status === "cancelled";
}

/** The index of the section holding `seq` (sections are sorted and cover 1..∞). */
export function sectionIndexOf(sections: readonly Section[], seq: number): number {
  let lo = 0;
  let hi = sections.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((sections[mid]?.first ?? 0) <= seq) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
