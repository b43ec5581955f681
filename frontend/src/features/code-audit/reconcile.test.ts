import { describe, expect, it } from "vitest";
import { withJob } from "./status";
import type { Reconciliation } from "../../api/types";

function job(id: string, status: Reconciliation["status"]): Reconciliation {
  return {
    id,
    repository_id: "r1",
    status,
    cause: "manual",
    from_commit: null,
    to_commit: null,
    error: null,
    counts: null,
    created_at: "2026-11-01T00:00:00Z",
    started_at: null,
    finished_at: null,
    duration_ms: null,
  };
}

describe("withJob", () => {
  it("puts a new job first", () => {
    expect(withJob({ items: [job("a", "succeeded")] }, job("b", "pending")).items.map((j) => j.id)).toEqual(["b", "a"]);
    expect(withJob(undefined, job("b", "pending")).items.map((j) => j.id)).toEqual(["b"]);
  });

  it("replaces a job already listed (the pending one a request returned again)", () => {
    const list = withJob({ items: [job("b", "pending"), job("a", "succeeded")] }, job("b", "running"));
    expect(list.items.map((j) => [j.id, j.status])).toEqual([
      ["b", "running"],
      ["a", "succeeded"],
    ]);
  });
});
