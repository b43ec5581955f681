/** Unit tests for the provider form: starting drafts, the secret field, client checks and the patch. */
import { describe, expect, it } from "vitest";
import type { ProviderItem } from "../../api/types";
import { checkResult, draftErrors, initialDrafts, providerPatch, secretPlaceholder } from "./form";

function provider(overrides: Partial<ProviderItem> = {}): ProviderItem {
  return {
    id: "openai-compatible",
    kind: "openai-compatible",
    label: "OpenAI-compatible API",
    source: "ui",
    is_default: false,
    locked_fields: [],
    secret_fields: ["api_key"],
    settings: { base_url: "http://127.0.0.1:9000/v1", model: "gpt-x", api_key: "…abcd" },
    readiness: { status: "ready", checks: [], checked_at: "2026-11-26T10:00:00.000Z" },
    ...overrides,
  };
}

describe("initialDrafts", () => {
  it("starts plain fields from their values and never shows a stored secret", () => {
    expect(initialDrafts(provider())).toEqual({ base_url: "http://127.0.0.1:9000/v1", model: "gpt-x", api_key: "" });
    expect(initialDrafts(provider({ settings: { base_url: null, model: null, api_key: null } }))).toEqual({
      base_url: "",
      model: "",
      api_key: "",
    });
  });
});

describe("secretPlaceholder", () => {
  it("names the masked tail when a secret is stored", () => {
    expect(secretPlaceholder("…abcd")).toBe("stored (…abcd) — leave empty to keep");
    expect(secretPlaceholder(null)).toBe("not set");
  });
});

describe("providerPatch", () => {
  it("is empty when nothing changed, keeping the stored secret by leaving it out", () => {
    const item = provider();
    expect(providerPatch(item, initialDrafts(item))).toEqual({});
  });

  it("sends changed plain fields, a typed secret, and empty to clear a plain field", () => {
    const item = provider();
    expect(providerPatch(item, { base_url: "http://localhost:1/v1 ", model: "", api_key: " sk-new " })).toEqual({
      base_url: "http://localhost:1/v1",
      model: "",
      api_key: "sk-new",
    });
  });

  it("never sends a locked field", () => {
    const item = provider({ locked_fields: ["model", "api_key"] });
    expect(providerPatch(item, { base_url: "http://127.0.0.1:9000/v1", model: "other", api_key: "sk" })).toEqual({});
  });
});

describe("draftErrors", () => {
  it("checks URLs, whitespace and masked secrets of what would be sent", () => {
    const item = provider();
    expect(draftErrors(item, { base_url: "ftp://x", model: "a b", api_key: "…abcd" })).toEqual({
      base_url: "must be an http:// or https:// URL",
      model: "must not contain whitespace",
      api_key: "give the full secret, not its masked value",
    });
    expect(draftErrors(item, { base_url: "", model: "gpt-x", api_key: "" })).toEqual({});
    const withTurns = provider({ settings: { ...item.settings, max_turns: null } });
    expect(draftErrors(withTurns, { max_turns: "0" })).toEqual({ max_turns: "must be a whole number from 1 to 1000" });
    expect(draftErrors(withTurns, { max_turns: "1001" })).toHaveProperty("max_turns");
    expect(draftErrors(withTurns, { max_turns: "40" })).toEqual({});
  });
});

describe("checkResult", () => {
  it("words a check's ok flag", () => {
    expect(checkResult(true)).toBe("passed");
    expect(checkResult(false)).toBe("failed");
    expect(checkResult(null)).toBe("unknown");
  });
});
