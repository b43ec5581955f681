import { describe, expect, it } from "vitest";
import { adjacentSpan, markerSpans, spanAt, spanPosition } from "./gutter";
import type { CodeFileLine, LineEvidence, LineStatus } from "../../api/types";

function ev(id: string, status: LineStatus = "current"): LineEvidence {
  return { run_id: `run-${id}`, evidence_id: id, external: false, ticket_key: "T-1", at: "2026-11-01T00:00:00Z", status, origin_commit: "abc" };
}

function lines(...evidence: (LineEvidence | null)[]): CodeFileLine[] {
  return evidence.map((e, i) => ({ number: i + 1, text: `line ${i + 1}`, evidence: e }));
}

describe("markerSpans", () => {
  it("joins consecutive lines of one evidence set and status", () => {
    const a = ev("a");
    const spans = markerSpans(lines(null, a, a, a, null, a, ev("b"), ev("b"), ev("b", "moved")));
    expect(spans.map((s) => [s.start, s.end, s.evidence.evidence_id, s.evidence.status])).toEqual([
      [2, 4, "a", "current"],
      [6, 6, "a", "current"],
      [7, 8, "b", "current"],
      [9, 9, "b", "moved"],
    ]);
  });

  it("splits where line numbers are not consecutive", () => {
    const a = ev("a");
    const spans = markerSpans([
      { number: 1, text: "", evidence: a },
      { number: 3, text: "", evidence: a },
    ]);
    expect(spans.map((s) => [s.start, s.end])).toEqual([
      [1, 1],
      [3, 3],
    ]);
  });

  it("is empty for a file without attributed lines", () => {
    expect(markerSpans(lines(null, null))).toEqual([]);
  });
});

describe("span lookups", () => {
  const a = ev("a");
  const spans = markerSpans(lines(null, a, a, null, null, ev("b"), null, ev("c"), ev("c"), ev("c")));

  it("finds the span of a line", () => {
    expect(spanAt(spans, 1)).toBeUndefined();
    expect(spanAt(spans, 3)?.start).toBe(2);
    expect(spanAt(spans, 6)?.evidence.evidence_id).toBe("b");
    expect(spanAt(spans, 10)?.start).toBe(8);
    expect(spanAt(spans, 11)).toBeUndefined();
  });

  it("moves to the next and previous span", () => {
    expect(adjacentSpan(spans, 2, 1)?.start).toBe(6);
    expect(adjacentSpan(spans, 3, 1)?.start).toBe(6);
    expect(adjacentSpan(spans, 8, 1)).toBeUndefined();
    expect(adjacentSpan(spans, 9, -1)?.start).toBe(6);
    expect(adjacentSpan(spans, 2, -1)).toBeUndefined();
    expect(adjacentSpan(spans, 0, 1)?.start).toBe(2);
    expect(adjacentSpan(spans, 5, -1)?.start).toBe(2);
  });

  it("tells where a line sits in its span", () => {
    const c = spanAt(spans, 9);
    expect(c && [8, 9, 10].map((n) => spanPosition(c, n))).toEqual(["start", "middle", "end"]);
    const b = spanAt(spans, 6);
    expect(b && spanPosition(b, 6)).toBe("single");
  });
});
