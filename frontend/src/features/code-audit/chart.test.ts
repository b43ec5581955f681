import { describe, expect, it } from "vitest";
import { chartGeometry } from "./chart";

const box = { width: 110, height: 60, padding: 5 };
const point = (at: string, current: number, touched: number) => ({ at, commit: "c", current_lines: current, touched_lines: touched });

describe("chartGeometry", () => {
  it("places points by time and scales both lines to the largest value", () => {
    const g = chartGeometry(
      [point("2026-11-01T00:00:00Z", 10, 20), point("2026-11-02T00:00:00Z", 30, 40), point("2026-11-05T00:00:00Z", 0, 40)],
      box,
    );
    expect(g.max).toBe(40);
    expect(g.baseline).toBe(55);
    expect(g.points.map((p) => p.x)).toEqual([5, 30, 105]);
    expect(g.touched).toBe("5,30 30,5 105,5");
    expect(g.current).toBe("5,42.5 30,17.5 105,55");
  });

  it("spreads points by index when their times are equal or unparsable", () => {
    const same = chartGeometry([point("2026-11-01T00:00:00Z", 1, 1), point("2026-11-01T00:00:00Z", 2, 2)], box);
    expect(same.points.map((p) => p.x)).toEqual([5, 105]);
    const bad = chartGeometry([point("nope", 1, 1), point("2026-11-01T00:00:00Z", 2, 2), point("x", 2, 2)], box);
    expect(bad.points.map((p) => p.x)).toEqual([5, 55, 105]);
  });

  it("centres a single point and never divides by zero", () => {
    const one = chartGeometry([point("2026-11-01T00:00:00Z", 0, 0)], box);
    expect(one.max).toBe(1);
    expect(one.points[0]).toMatchObject({ x: 55, yCurrent: 55, yTouched: 55 });
    expect(chartGeometry([], box)).toMatchObject({ points: [], current: "", touched: "", max: 1 });
  });
});
