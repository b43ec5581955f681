/**
 * The file view's gutter: attributed lines grouped into marker spans (consecutive lines of one
 * evidence set with one status draw as one bar and are one keyboard stop), and the lookups the
 * keyboard and the popover need. Lines arrive numbered from 1, in order.
 */
import type { CodeFileLine, LineEvidence } from "../../api/types";

export interface MarkerSpan {
  /** First and last line number, inclusive. */
  start: number;
  end: number;
  evidence: LineEvidence;
}

function sameEvidence(a: LineEvidence, b: LineEvidence): boolean {
  return a.evidence_id === b.evidence_id && a.status === b.status && a.run_id === b.run_id;
}

export function markerSpans(lines: readonly CodeFileLine[]): MarkerSpan[] {
  const spans: MarkerSpan[] = [];
  let open: MarkerSpan | null = null;
  for (const line of lines) {
    const evidence = line.evidence;
    if (!evidence) {
      open = null;
      continue;
    }
    if (open && open.end + 1 === line.number && sameEvidence(open.evidence, evidence)) {
      open.end = line.number;
    } else {
      open = { start: line.number, end: line.number, evidence };
      spans.push(open);
    }
  }
  return spans;
}

/** The span holding `line`, by binary search over the (sorted, disjoint) spans. */
export function spanAt(spans: readonly MarkerSpan[], line: number): MarkerSpan | undefined {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const span = spans[mid];
    if (!span) break;
    if (line < span.start) hi = mid - 1;
    else if (line > span.end) lo = mid + 1;
    else return span;
  }
  return undefined;
}

/**
 * The span after (direction 1) or before (-1) the one at `line`; from a line outside every span,
 * the nearest one in that direction. Undefined past either end.
 */
export function adjacentSpan(spans: readonly MarkerSpan[], line: number, direction: 1 | -1): MarkerSpan | undefined {
  if (direction === 1) return spans.find((span) => span.start > line);
  for (let i = spans.length - 1; i >= 0; i--) {
    const span = spans[i];
    if (span && span.end < line) return span;
  }
  return undefined;
}

/** Where a line sits in its span, for the bar's rounded ends. */
export function spanPosition(span: MarkerSpan, line: number): "single" | "start" | "middle" | "end" {
  if (span.start === span.end) return "single";
  if (line === span.start) return "start";
  if (line === span.end) return "end";
  return "middle";
}
