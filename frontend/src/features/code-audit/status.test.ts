import { describe, expect, it } from "vitest";
import { anyReconciling, isLineStatus, shortCommit, shortRunId } from "./status";

describe("status helpers", () => {
  it("knows the line statuses", () => {
    expect(isLineStatus("waiting_for_workspace")).toBe(true);
    expect(isLineStatus("succeeded")).toBe(false);
  });

  it("tells whether a reconciliation is still going", () => {
    expect(anyReconciling(undefined)).toBe(false);
    expect(anyReconciling([{ status: "succeeded" }, { status: "failed" }])).toBe(false);
    expect(anyReconciling([{ status: "succeeded" }, { status: "running" }])).toBe(true);
    expect(anyReconciling([{ status: "pending" }])).toBe(true);
  });

  it("shortens commits", () => {
    expect(shortCommit("0123456789abcdef")).toBe("0123456789");
    expect(shortCommit(null)).toBe("—");
    expect(shortRunId("01a21763-51ad-75e1-95ae-c783ede8c7d5")).toBe("ede8c7d5");
    expect(shortRunId("ext-run-1")).toBe("ext-run-1");
  });
});
