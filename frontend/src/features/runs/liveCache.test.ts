/** Unit tests for applying run.created / run.updated events to the cached, paged runs list. */
import { describe, expect, it } from "vitest";
import { makeRun, page } from "../../test/fixtures";
import type { RunListFilters } from "./filters";
import { applyRuns, compareRuns, parseRunEvent, upsertRun, type RunPages } from "./liveCache";

const t = (s: number) => `2026-11-24T12:00:${String(s).padStart(2, "0")}.000Z`;
const ids = (data: RunPages) => data.pages.map((p) => p.items.map((r) => r.id));
const pages = (...p: ReturnType<typeof page>[]): RunPages => ({
  pages: p,
  pageParams: p.map((_, i) => (i === 0 ? null : `c${i}`)),
});

describe("compareRuns", () => {
  it("orders newest first, then by id descending", () => {
    const runs = [
      makeRun({ id: "a", created_at: t(1) }),
      makeRun({ id: "c", created_at: t(2) }),
      makeRun({ id: "b", created_at: t(2) }),
    ];
    expect(runs.sort(compareRuns).map((r) => r.id)).toEqual(["c", "b", "a"]);
  });
});

describe("upsertRun", () => {
  const base = pages(page([makeRun({ id: "r3", created_at: t(3) }), makeRun({ id: "r1", created_at: t(1) })]));

  it("inserts a new run at the top", () => {
    const next = upsertRun(base, makeRun({ id: "r4", created_at: t(4) }), {});
    expect(ids(next)).toEqual([["r4", "r3", "r1"]]);
  });

  it("inserts in order in the middle", () => {
    const next = upsertRun(base, makeRun({ id: "r2", created_at: t(2) }), {});
    expect(ids(next)).toEqual([["r3", "r2", "r1"]]);
  });

  it("replaces an existing run in place", () => {
    const next = upsertRun(base, makeRun({ id: "r1", created_at: t(1), status: "cancelled" }), {});
    expect(ids(next)).toEqual([["r3", "r1"]]);
    expect(next.pages[0]?.items[1]?.status).toBe("cancelled");
    expect(next.pages[0]?.items[0]).toBe(base.pages[0]?.items[0]);
  });

  it("is idempotent for a repeated created event", () => {
    const run = makeRun({ id: "r4", created_at: t(4) });
    expect(ids(upsertRun(upsertRun(base, run, {}), run, {}))).toEqual([["r4", "r3", "r1"]]);
  });

  it("does not insert below the loaded range while more pages exist", () => {
    const partial = pages(page([makeRun({ id: "r3", created_at: t(3) })], "cursor"));
    const next = upsertRun(partial, makeRun({ id: "r0", created_at: t(0) }), {});
    expect(next).toBe(partial);
  });

  it("appends an old run when the list is complete", () => {
    const next = upsertRun(base, makeRun({ id: "r0", created_at: t(0) }), {});
    expect(ids(next)).toEqual([["r3", "r1", "r0"]]);
  });

  it("inserts into the page where it sorts", () => {
    const two = pages(
      page([makeRun({ id: "r5", created_at: t(5) }), makeRun({ id: "r4", created_at: t(4) })], "c1"),
      page([makeRun({ id: "r2", created_at: t(2) }), makeRun({ id: "r1", created_at: t(1) })]),
    );
    expect(ids(upsertRun(two, makeRun({ id: "r3", created_at: t(3) }), {}))).toEqual([
      ["r5", "r4"],
      ["r3", "r2", "r1"],
    ]);
  });

  it("respects the status filter: drops runs that leave it, ignores runs outside it", () => {
    const queued = pages(page([makeRun({ id: "r1", created_at: t(1), status: "queued" })]));
    const filters: RunListFilters = { status: ["queued"] };
    expect(ids(upsertRun(queued, makeRun({ id: "r1", created_at: t(1), status: "cancelled" }), filters))).toEqual([[]]);
    const other = makeRun({ id: "r2", created_at: t(2), status: "failed" });
    expect(upsertRun(queued, other, filters)).toBe(queued);
  });
});

describe("applyRuns", () => {
  it("applies a burst in arrival order, last state wins", () => {
    const start = pages(page([]));
    const next = applyRuns(
      start,
      [
        makeRun({ id: "r1", created_at: t(1) }),
        makeRun({ id: "r2", created_at: t(2) }),
        makeRun({ id: "r1", created_at: t(1), status: "running" }),
        makeRun({ id: "r1", created_at: t(1), status: "cancelled" }),
      ],
      {},
    );
    expect(ids(next)).toEqual([["r2", "r1"]]);
    expect(next.pages[0]?.items[1]?.status).toBe("cancelled");
  });
});

describe("parseRunEvent", () => {
  it("accepts a Run and rejects anything else", () => {
    const run = makeRun({ id: "r1", created_at: t(1) });
    expect(parseRunEvent(JSON.stringify(run))).toEqual(run);
    expect(parseRunEvent("{}")).toBeNull();
    expect(parseRunEvent("not json")).toBeNull();
    expect(parseRunEvent('{"id":"x","created_at":"y","status":"queued"}')).toBeNull();
  });
});
