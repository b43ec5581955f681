/** Unit tests for the audit filters: URL round trips, normalisation and the list and export paths. */
import { describe, expect, it } from "vitest";
import {
  auditExportPath,
  auditFiltersFromSearchParams,
  auditFiltersToSearchParams,
  auditPagePath,
  hasAuditFilters,
  NO_FILTERS,
  type AuditFilters,
} from "./filters";

const parse = (qs: string) => auditFiltersFromSearchParams(new URLSearchParams(qs));

const ALL: AuditFilters = {
  status: "failed",
  reason_code: "validation_failed",
  validation: "failed",
  repair_ran: "true",
  review_fixes_ran: "false",
  provider: "command",
  repository: "sample/sample-shop",
  ticket: "SAMPLE-1",
  branch: "mergeloom/sample-1-0123abcd",
  q: "discount & tax",
  since: "2026-11-24T12:00:00.000Z",
  until: "2026-11-25T00:00:00Z",
};

describe("audit filters in the URL", () => {
  it("round-trips every filter through the query string", () => {
    const qs = auditFiltersToSearchParams(ALL).toString();
    expect(parse(qs)).toEqual(ALL);
    expect(qs).toBe(
      "status=failed&reason_code=validation_failed&validation=failed&repair_ran=true&review_fixes_ran=false" +
        "&provider=command&repository=sample%2Fsample-shop&ticket=SAMPLE-1&branch=mergeloom%2Fsample-1-0123abcd" +
        "&q=discount+%26+tax&since=2026-11-24T12%3A00%3A00.000Z&until=2026-11-25T00%3A00%3A00Z",
    );
  });

  it("drops unknown choices, blanks and unparsable times", () => {
    expect(parse("status=running&validation=maybe&repair_ran=yes&reason_code=nope&ticket=%20&since=yesterday")).toEqual({});
    expect(parse("validation=none&review_fixes_ran=true&q=%20x%20")).toEqual({
      validation: "none",
      review_fixes_ran: "true",
      q: "x",
    });
  });

  it("keeps unrelated parameters and removes cleared filters", () => {
    const base = new URLSearchParams("ticket=A-1&tab=x&status=failed");
    const next = auditFiltersToSearchParams({ ...auditFiltersFromSearchParams(base), status: undefined }, base);
    expect(next.toString()).toBe("ticket=A-1&tab=x");
    expect(auditFiltersToSearchParams(NO_FILTERS, new URLSearchParams("ticket=A-1&tab=x")).toString()).toBe("tab=x");
  });

  it("knows when any filter is set", () => {
    expect(hasAuditFilters({})).toBe(false);
    expect(hasAuditFilters({ q: "  " })).toBe(false);
    expect(hasAuditFilters({ branch: "b" })).toBe(true);
  });
});

describe("API paths", () => {
  it("builds list pages with limit and cursor", () => {
    expect(auditPagePath({}, null)).toBe("/api/v1/audit/runs?limit=50");
    expect(auditPagePath({ ticket: "SAMPLE-1", validation: "passed" }, "abc", 10)).toBe(
      "/api/v1/audit/runs?validation=passed&ticket=SAMPLE-1&limit=10&cursor=abc",
    );
  });

  it("builds export links with the format first and the same filters", () => {
    expect(auditExportPath({}, "csv")).toBe("/api/v1/audit/export?format=csv");
    expect(auditExportPath({ repair_ran: "true", q: "a b" }, "ndjson")).toBe(
      "/api/v1/audit/export?format=ndjson&repair_ran=true&q=a+b",
    );
  });
});
