/** Unit tests for reconnect backoff delays. */
import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff";

describe("backoffDelay", () => {
  const noJitter = () => 0;
  it("doubles from the minimum up to the maximum", () => {
    expect([0, 1, 2, 3, 10, 50].map((a) => backoffDelay(a, 500, 30_000, noJitter))).toEqual([
      500, 1000, 2000, 4000, 30_000, 30_000,
    ]);
  });
  it("subtracts at most 20% jitter", () => {
    expect(backoffDelay(0, 1000, 30_000, () => 1)).toBe(800);
  });
});
