/** Unit tests for the runs filters: URL round trips, the API path, datetime inputs and live matching. */
import { describe, expect, it } from "vitest";
import { makeRun } from "../../test/fixtures";
import {
  filtersFromSearchParams,
  filtersToSearchParams,
  fromLocalInputValue,
  normalizeFilters,
  presetSince,
  runMatchesFilters,
  runsPagePath,
  toLocalInputValue,
  type RunListFilters,
} from "./filters";

const parse = (qs: string) => filtersFromSearchParams(new URLSearchParams(qs));

describe("filtersFromSearchParams", () => {
  it("reads every filter", () => {
    expect(
      parse(
        "status=failed,queued&repository=acme/api&ticket=LIN-1&provider=command&q=flag&since=2026-11-24T12:00:00.000Z&until=2026-11-25T00:00:00Z",
      ),
    ).toEqual({
      status: ["queued", "failed"],
      repository: "acme/api",
      ticket: "LIN-1",
      provider: "command",
      q: "flag",
      since: "2026-11-24T12:00:00.000Z",
      until: "2026-11-25T00:00:00Z",
    });
  });

  it("drops unknown statuses, duplicates, blanks and unparsable times", () => {
    expect(parse("status=running,bogus,running,&q=%20%20&since=yesterday&ticket=")).toEqual({ status: ["running"] });
    expect(parse("")).toEqual({});
  });
});

describe("filtersToSearchParams", () => {
  it("round-trips through the URL", () => {
    const filters: RunListFilters = {
      status: ["running", "completed"],
      q: "discount & tax",
      repository: "sample/sample-shop",
      since: "2026-11-24T12:00:00.000Z",
    };
    const qs = filtersToSearchParams(filters).toString();
    expect(qs).toBe("status=running%2Ccompleted&repository=sample%2Fsample-shop&q=discount+%26+tax&since=2026-11-24T12%3A00%3A00.000Z");
    expect(parse(qs)).toEqual(normalizeFilters(filters));
  });

  it("keeps unrelated parameters and removes cleared filters", () => {
    const base = new URLSearchParams("kind=log&status=failed&q=old");
    const next = filtersToSearchParams({ status: [], q: undefined, ticket: "T-9" }, base);
    expect(next.toString()).toBe("kind=log&ticket=T-9");
    expect(base.toString()).toBe("kind=log&status=failed&q=old");
  });
});

describe("runsPagePath", () => {
  it("adds limit and cursor to the filters", () => {
    expect(runsPagePath({ status: ["queued"], q: "x" }, "abc", 10)).toBe("/api/v1/runs?status=queued&q=x&limit=10&cursor=abc");
    expect(runsPagePath({}, null)).toBe("/api/v1/runs?limit=50");
  });
});

describe("datetime-local conversion", () => {
  it("reads the input as local time and writes UTC", () => {
    const iso = fromLocalInputValue("2026-11-24T13:05");
    expect(iso).toBe(new Date(2026, 10, 24, 13, 5).toISOString());
    expect(iso).toMatch(/Z$/);
  });

  it("round-trips to the minute", () => {
    const iso = new Date(2026, 0, 2, 3, 4).toISOString();
    expect(toLocalInputValue(iso)).toBe("2026-01-02T03:04");
    expect(fromLocalInputValue(toLocalInputValue(iso))).toBe(iso);
  });

  it("rejects empty and malformed values", () => {
    expect(fromLocalInputValue("")).toBeUndefined();
    expect(fromLocalInputValue("tomorrow")).toBeUndefined();
    expect(toLocalInputValue(undefined)).toBe("");
    expect(toLocalInputValue("garbage")).toBe("");
  });

  it("computes a preset's since, to the second", () => {
    const now = Date.parse("2026-11-24T12:00:00.789Z");
    expect(presetSince(3_600_000, now)).toBe("2026-11-24T11:00:00.000Z");
  });
});

describe("runMatchesFilters", () => {
  const run = makeRun({
    id: "r1",
    created_at: "2026-11-24T12:00:00.000Z",
    status: "failed",
    ticket: { key: "LIN-7", title: "Add a --json flag", url: null },
    repository: { id: "repo-9", name: "acme/api", url: "/srv/api.git" },
    provider: { id: "codex-cli", kind: "codex-cli", model: "o4" },
    outcome: { status: "failed", reason_code: "validation_failed", reason: "Tests kept failing", failed_stage: "repair" },
    error: { message: "pytest exited 1", detail: null },
  });

  it.each<[string, RunListFilters, boolean]>([
    ["no filters", {}, true],
    ["status in list", { status: ["running", "failed"] }, true],
    ["status not in list", { status: ["running"] }, false],
    ["repository by id", { repository: "repo-9" }, true],
    ["repository by name", { repository: "acme/api" }, true],
    ["other repository", { repository: "acme/web" }, false],
    ["ticket key", { ticket: "LIN-7" }, true],
    ["ticket key is exact", { ticket: "LIN" }, false],
    ["provider", { provider: "codex-cli" }, true],
    ["other provider", { provider: "command" }, false],
    ["q in title, any case", { q: "JSON" }, true],
    ["q in key", { q: "lin-7" }, true],
    ["q in reason", { q: "kept failing" }, true],
    ["q in error", { q: "pytest" }, true],
    ["q nowhere", { q: "docker" }, false],
    ["since is inclusive", { since: "2026-11-24T12:00:00.000Z" }, true],
    ["since after", { since: "2026-11-24T12:00:00.001Z" }, false],
    ["until is exclusive", { until: "2026-11-24T12:00:00.000Z" }, false],
    ["until after, other offset", { until: "2026-11-24T13:00:01+01:00" }, true],
    ["all together", { status: ["failed"], repository: "acme/api", q: "flag", since: "2026-11-24T00:00:00Z" }, true],
  ])("%s", (_name, filters, expected) => {
    expect(runMatchesFilters(run, filters)).toBe(expected);
  });
});
