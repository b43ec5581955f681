/** Unit tests for turning a check's status changes into timeline segments. */
import { describe, expect, it } from "vitest";
import { segments } from "./timeline";

const base = Date.parse("2026-11-26T10:00:00.000Z");
const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();

describe("segments", () => {
  it("spans each status until the next change, and the last one until the end", () => {
    const s = segments(
      [
        { at: at(0), status: "ok" },
        { at: at(15), status: "degraded" },
        { at: at(30), status: "ok" },
      ],
      base,
      base + 60 * 60_000,
    );
    expect(s.map((x) => [x.status, x.from, x.to])).toEqual([
      ["ok", 0, 0.25],
      ["degraded", 0.25, 0.5],
      ["ok", 0.5, 1],
    ]);
  });

  it("leaves the time before the first point empty and clamps to the window", () => {
    const s = segments([{ at: at(45), status: "down" }], base, base + 60 * 60_000);
    expect(s).toEqual([{ status: "down", from: 0.75, to: 1, at: at(45) }]);
    expect(segments([{ at: at(-30), status: "ok" }], base, base + 60 * 60_000)[0]?.from).toBe(0);
  });

  it("draws nothing for an empty window or bad times", () => {
    expect(segments([{ at: at(0), status: "ok" }], base, base)).toEqual([]);
    expect(segments([{ at: "nonsense", status: "ok" }], base, base + 1000)).toEqual([]);
  });
});
