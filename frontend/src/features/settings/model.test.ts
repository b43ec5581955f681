/** Unit tests for the settings form logic: kinds, drafts, validation, change sets and groups. */
import { describe, expect, it } from "vitest";
import type { SettingView } from "../../api/types";
import { changeSet, displayValue, groupSettings, kindOf, parseDraft, toDraft } from "./model";

function view(value: unknown, overrides: Partial<SettingView> = {}): SettingView {
  return { value, default: value, source: "default", locked: false, unit: null, description: "", ...overrides };
}

const settings: Record<string, SettingView> = {
  allowed_commands: view(["git", "rg"]),
  command_timeout_seconds: view(300, { unit: "seconds" }),
  default_provider: view(null),
  default_validation_mode: view("required"),
  keep_workspaces: view(false),
  retention_events_days: view(30, { unit: "days" }),
  max_repair_attempts: view(2, { locked: true, source: "env" }),
};

describe("kindOf", () => {
  it("infers the kind from the value, the default, or a known choice", () => {
    expect(kindOf("allowed_commands", view(["git"]))).toBe("list");
    expect(kindOf("keep_workspaces", view(true))).toBe("boolean");
    expect(kindOf("command_timeout_seconds", view(300))).toBe("integer");
    expect(kindOf("default_validation_mode", view("required"))).toBe("choice");
    expect(kindOf("default_provider", view(null))).toBe("text");
    expect(kindOf("x", { value: null, default: [] })).toBe("list");
  });
});

describe("drafts", () => {
  it("turns values into input text and back for people", () => {
    expect(toDraft(["git", "rg"])).toBe("git\nrg");
    expect(toDraft(null)).toBe("");
    expect(toDraft(30)).toBe("30");
    expect(toDraft(false)).toBe("false");
    expect(displayValue(["git", "rg"])).toBe("git, rg");
    expect(displayValue([])).toBe("none");
    expect(displayValue(null)).toBe("none");
    expect(displayValue(true)).toBe("on");
  });
});

describe("parseDraft", () => {
  it("checks integers against the setting's bounds", () => {
    expect(parseDraft("retention_events_days", "integer", " 0 ")).toEqual({ ok: true, value: 0 });
    expect(parseDraft("command_timeout_seconds", "integer", "0")).toEqual({ ok: false, error: "must be from 1 to 86400" });
    expect(parseDraft("max_repair_attempts", "integer", "11").ok).toBe(false);
    expect(parseDraft("command_timeout_seconds", "integer", "1.5").ok).toBe(false);
    expect(parseDraft("command_timeout_seconds", "integer", "-3").ok).toBe(false);
    expect(parseDraft("command_timeout_seconds", "integer", "").ok).toBe(false);
    expect(parseDraft("unknown_count", "integer", "12")).toEqual({ ok: true, value: 12 });
  });

  it("splits lists by line, trims, drops blanks and duplicates, and refuses paths as program names", () => {
    expect(parseDraft("allowed_commands", "list", "git\n rg \n\ngit")).toEqual({ ok: true, value: ["git", "rg"] });
    expect(parseDraft("allowed_commands", "list", "/usr/bin/git")).toEqual({
      ok: false,
      error: '"/usr/bin/git" is not a program name (no paths or spaces)',
    });
    expect(parseDraft("diff_guard_protected_paths", "list", "secrets/**\n.github/*")).toEqual({
      ok: true,
      value: ["secrets/**", ".github/*"],
    });
    expect(parseDraft("allowed_commands", "list", "")).toEqual({ ok: true, value: [] });
  });

  it("takes booleans, choices and nullable text", () => {
    expect(parseDraft("keep_workspaces", "boolean", "true")).toEqual({ ok: true, value: true });
    expect(parseDraft("keep_workspaces", "boolean", "yes").ok).toBe(false);
    expect(parseDraft("default_validation_mode", "choice", "advisory")).toEqual({ ok: true, value: "advisory" });
    expect(parseDraft("default_validation_mode", "choice", "sometimes")).toEqual({
      ok: false,
      error: "must be one of off, advisory, required",
    });
    expect(parseDraft("default_provider", "text", "", true)).toEqual({ ok: true, value: null });
    expect(parseDraft("default_provider", "text", "").ok).toBe(false);
  });
});

describe("changeSet", () => {
  it("sends only names whose value changes", () => {
    const { changes, errors } = changeSet(settings, {
      allowed_commands: "git\nrg\npytest",
      command_timeout_seconds: "300",
      retention_events_days: "7",
      keep_workspaces: "false",
      default_provider: "",
    });
    expect(changes).toEqual({ allowed_commands: ["git", "rg", "pytest"], retention_events_days: 7 });
    expect(errors).toEqual({});
  });

  it("treats a draft that normalises to the current value as no change", () => {
    expect(changeSet(settings, { allowed_commands: "git\n rg\n" }).changes).toEqual({});
    expect(changeSet(settings, { command_timeout_seconds: " 300" }).changes).toEqual({});
  });

  it("reports invalid drafts and skips locked and unknown names", () => {
    const { changes, errors } = changeSet(settings, {
      command_timeout_seconds: "soon",
      max_repair_attempts: "5",
      nonsense: "1",
      default_provider: "command",
    });
    expect(changes).toEqual({ default_provider: "command" });
    expect(Object.keys(errors)).toEqual(["command_timeout_seconds"]);
  });
});

describe("groupSettings", () => {
  it("groups settings in the page's order, each in PRODUCT.md's order, unknown names last", () => {
    const groups = groupSettings([
      "retention_audit_days",
      "command_timeout_seconds",
      "zz_new_setting",
      "allowed_commands",
      "provider_timeout_seconds",
      "default_provider",
      "diff_guard_max_files",
      "retention_events_days",
      "compliance_mode",
    ]);
    expect(groups.map((g) => [g.id, g.names])).toEqual([
      ["executor", ["allowed_commands", "command_timeout_seconds", "zz_new_setting"]],
      ["providers", ["default_provider", "provider_timeout_seconds"]],
      ["diff-guard", ["diff_guard_max_files"]],
      ["retention", ["retention_events_days", "retention_audit_days"]],
      ["compliance", ["compliance_mode"]],
    ]);
    expect(groupSettings([])).toEqual([]);
  });
});
