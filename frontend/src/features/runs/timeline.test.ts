/** Unit tests for the stage timeline layout: order, bar positions and widths, running and skipped stages, ticks. */
import { describe, expect, it } from "vitest";
import type { Stage } from "../../api/types";
import { axisTicks, layoutTimeline, sortStagesChronologically, stageLabel } from "./timeline";

const T0 = Date.parse("2026-11-24T12:00:00.000Z");
const at = (ms: number) => new Date(T0 + ms).toISOString();

function stage(name: string, attempt: number, status: string, start: number | null, end: number | null, firstSeq: number): Stage {
  return {
    name,
    attempt,
    status,
    started_at: start === null ? null : at(start),
    finished_at: end === null ? null : at(end),
    duration_ms: start !== null && end !== null ? end - start : null,
    first_seq: firstSeq,
    last_seq: firstSeq + 1,
    summary: null,
  };
}

describe("stageLabel", () => {
  it("numbers repeating stages and later attempts only", () => {
    expect(stageLabel("setup", 1)).toBe("setup");
    expect(stageLabel("validate", 1)).toBe("validate #1");
    expect(stageLabel("repair", 1)).toBe("repair #1");
    expect(stageLabel("publish", 2)).toBe("publish #2");
  });
});

describe("layoutTimeline", () => {
  // Pipeline order from the API (validate#2 before repair#1), not chronological order.
  const stages = [
    stage("setup", 1, "succeeded", 0, 100, 3),
    stage("validate", 1, "failed", 100, 400, 10),
    stage("validate", 2, "succeeded", 600, 800, 30),
    stage("repair", 1, "succeeded", 400, 600, 20),
    stage("review", 1, "skipped", null, 800, 40),
    stage("publish", 1, "succeeded", 800, 1000, 41),
  ];
  const layout = layoutTimeline(stages, T0 + 5000);

  it("orders bars chronologically, then by first seq", () => {
    expect(layout.bars.map((b) => b.label)).toEqual(["setup", "validate #1", "repair #1", "validate #2", "review", "publish"]);
  });

  it("places and sizes bars in percent of the span", () => {
    expect(layout.spanMs).toBe(1000);
    const byLabel = Object.fromEntries(layout.bars.map((b) => [b.label, b]));
    expect(byLabel.setup).toMatchObject({ left: 0, width: 10, durationMs: 100, marker: false });
    expect(byLabel["validate #1"]).toMatchObject({ left: 10, width: 30, durationMs: 300 });
    expect(byLabel["repair #1"]).toMatchObject({ left: 40, width: 20 });
    expect(byLabel.publish).toMatchObject({ left: 80, width: 20 });
  });

  it("draws a skipped stage as a zero-width marker at its recorded time", () => {
    const review = layout.bars.find((b) => b.label === "review");
    expect(review).toMatchObject({ left: 80, width: 0, marker: true, durationMs: null });
  });

  it("extends a running stage to now", () => {
    const running = layoutTimeline(
      [stage("setup", 1, "succeeded", 0, 1000, 1), stage("implement", 1, "running", 1000, null, 5)],
      T0 + 4000,
    );
    expect(running.spanMs).toBe(4000);
    expect(running.bars[1]).toMatchObject({ left: 25, width: 75, durationMs: 3000, endMs: T0 + 4000 });
  });

  it("leaves out stages with no time and handles a zero span", () => {
    expect(layoutTimeline([stage("setup", 1, "running", null, null, 1)], T0).bars).toEqual([]);
    const instant = layoutTimeline([stage("context", 1, "succeeded", 0, 0, 1)], T0);
    expect(instant.bars[0]).toMatchObject({ left: 0, width: 0, durationMs: 0 });
  });
});

describe("axisTicks", () => {
  it("uses 1/2/5 steps and stays within the span", () => {
    expect(axisTicks(1000).map((t) => t.label)).toEqual(["0", "+200ms", "+400ms", "+600ms", "+800ms", "+1.0s"]);
    expect(axisTicks(1000).map((t) => t.at)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(axisTicks(90_000).map((t) => t.label)).toEqual(["0", "+20.0s", "+40.0s", "+1m 00s", "+1m 20s"]);
    expect(axisTicks(0)).toEqual([{ at: 0, label: "0ms" }]);
  });
});

describe("sortStagesChronologically", () => {
  it("sorts by start then first seq and keeps untimed stages last", () => {
    const stages = [
      stage("validate", 2, "succeeded", 600, 800, 30),
      stage("finalize", 1, "running", null, null, 50),
      stage("repair", 1, "succeeded", 400, 600, 20),
      stage("review", 1, "skipped", null, 800, 40),
      stage("diff_guard", 1, "succeeded", 800, 900, 41),
    ];
    expect(sortStagesChronologically(stages).map((s) => stageLabel(s.name, s.attempt))).toEqual([
      "repair #1",
      "validate #2",
      "review",
      "diff_guard",
      "finalize",
    ]);
  });
});
