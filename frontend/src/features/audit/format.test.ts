/** Unit tests for the audit formatters: cost, safe links and inline code in explanations. */
import { describe, expect, it } from "vitest";
import { formatCost, safeHref, splitInlineCode } from "./format";

describe("splitInlineCode", () => {
  it("separates backtick spans from plain text", () => {
    expect(splitInlineCode("Failed in repair: `npm test` still exited 1 after 2 of 2 repair attempts")).toEqual([
      { code: false, text: "Failed in repair: " },
      { code: true, text: "npm test" },
      { code: false, text: " still exited 1 after 2 of 2 repair attempts" },
    ]);
    expect(splitInlineCode("`a``b`")).toEqual([
      { code: true, text: "a" },
      { code: true, text: "b" },
    ]);
  });

  it("leaves text without pairs alone", () => {
    expect(splitInlineCode("no code")).toEqual([{ code: false, text: "no code" }]);
    expect(splitInlineCode("one ` tick")).toEqual([{ code: false, text: "one ` tick" }]);
    expect(splitInlineCode("")).toEqual([]);
  });
});

describe("formatCost", () => {
  it("marks estimates and keeps small amounts readable", () => {
    expect(formatCost({ cost_usd: 0, estimated: true })).toBe("≈ $0.00");
    expect(formatCost({ cost_usd: 0.01234, estimated: false })).toBe("$0.0123");
    expect(formatCost({ cost_usd: 1.5, estimated: false })).toBe("$1.50");
    expect(formatCost({ cost_usd: null, estimated: false })).toBe("—");
  });
});

describe("safeHref", () => {
  it("only links http(s) URLs", () => {
    expect(safeHref("https://linear.app/x/issue/LIN-1")).toBe("https://linear.app/x/issue/LIN-1");
    expect(safeHref("javascript:alert(1)")).toBeNull();
    expect(safeHref("not a url")).toBeNull();
    expect(safeHref(null)).toBeNull();
  });
});
