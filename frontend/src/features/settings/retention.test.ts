/** Unit tests for the retention preview's overrides: unsaved, valid, changed retention edits only. */
import { describe, expect, it } from "vitest";
import type { SettingView } from "../../api/types";
import { previewPath, previewQuery } from "./retention";

function view(value: unknown, locked = false): SettingView {
  return { value, default: value, source: locked ? "env" : "default", locked, unit: "days", description: "" };
}

const settings: Record<string, SettingView> = {
  retention_events_days: view(30),
  retention_audit_days: view(0),
  retention_code_audit_days: view(0, true),
  retention_events_max_bytes: view(0),
  command_timeout_seconds: view(300),
};

describe("previewQuery", () => {
  it("is empty without edits or when edits equal the stored values", () => {
    expect(previewQuery(settings, {})).toBe("");
    expect(previewQuery(settings, { retention_events_days: "30", retention_audit_days: " 0" })).toBe("");
  });

  it("maps changed retention edits to their override parameters", () => {
    expect(
      previewQuery(settings, { retention_events_days: "7", retention_events_max_bytes: "1", retention_audit_days: "90" }),
    ).toBe("events_days=7&audit_days=90&events_max_bytes=1");
  });

  it("leaves out invalid drafts, locked settings and other settings", () => {
    expect(
      previewQuery(settings, {
        retention_events_days: "a week",
        retention_code_audit_days: "5",
        command_timeout_seconds: "10",
        retention_audit_days: "1",
      }),
    ).toBe("audit_days=1");
  });
});

describe("previewPath", () => {
  it("adds the query only when there is one", () => {
    expect(previewPath("")).toBe("/api/v1/retention/preview");
    expect(previewPath("events_days=7")).toBe("/api/v1/retention/preview?events_days=7");
  });
});
