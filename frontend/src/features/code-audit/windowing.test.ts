import { describe, expect, it } from "vitest";
import { scrollToReveal, visibleRows } from "./windowing";

describe("visibleRows", () => {
  it("renders the rows on screen plus the overscan, clamped to the list", () => {
    expect(visibleRows(0, 400, 20, 5000, 10)).toEqual({ start: 0, end: 30 });
    expect(visibleRows(2000, 400, 20, 5000, 10)).toEqual({ start: 90, end: 130 });
    expect(visibleRows(99_990, 400, 20, 5000, 10)).toEqual({ start: 4989, end: 5000 });
  });

  it("handles empty lists and odd inputs", () => {
    expect(visibleRows(0, 400, 20, 0)).toEqual({ start: 0, end: 0 });
    expect(visibleRows(-50, 400, 20, 3, 0)).toEqual({ start: 0, end: 3 });
    expect(visibleRows(0, 400, 0, 10)).toEqual({ start: 0, end: 0 });
  });
});

describe("scrollToReveal", () => {
  it("leaves a row in view where it is", () => {
    expect(scrollToReveal(10, 0, 400, 20)).toBeNull();
  });

  it("scrolls up or down just enough, with a margin", () => {
    expect(scrollToReveal(5, 400, 400, 20)).toBe(60);
    expect(scrollToReveal(30, 0, 400, 20)).toBe(260);
    expect(scrollToReveal(0, 100, 400, 20)).toBe(0);
  });
});
