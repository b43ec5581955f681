/**
 * The settings form's logic, kept free of React so it can be tested: how each setting is edited
 * (its kind, inferred from its value and default), text drafts to and from values, client-side
 * validation per kind, the groups the page shows, and the change set a save sends (only the
 * names whose value really changes, so one PUT stays small and atomic).
 */
import type { SettingView } from "../../api/types";

export type SettingKind = "boolean" | "integer" | "list" | "choice" | "text";

/** Choices of the settings that take one of a few words. */
const CHOICES: Record<string, readonly string[]> = {
  default_validation_mode: ["off", "advisory", "required"],
};

/** Lower and upper bounds the server enforces on integer settings (it stays the judge). */
const BOUNDS: Record<string, readonly [number, number]> = {
  command_timeout_seconds: [1, 86_400],
  provider_timeout_seconds: [1, 7 * 86_400],
  max_repair_attempts: [0, 10],
  heartbeat_interval_seconds: [1, 3600],
  output_limit_bytes_per_run: [1024, 2 ** 40],
  diff_guard_max_files: [1, 1_000_000],
  diff_guard_max_lines: [1, 100_000_000],
  retention_events_days: [0, 36_500],
  retention_audit_days: [0, 36_500],
  retention_code_audit_days: [0, 36_500],
  retention_events_max_bytes: [0, 2 ** 50],
};

/** The choices of a `choice` setting (empty for others). */
export function choicesOf(name: string): readonly string[] {
  return CHOICES[name] ?? [];
}

/** How a setting is edited. */
export function kindOf(name: string, view: Pick<SettingView, "value" | "default">): SettingKind {
  if (name in CHOICES) return "choice";
  const sample = view.value ?? view.default;
  if (Array.isArray(sample)) return "list";
  if (typeof sample === "boolean") return "boolean";
  if (typeof sample === "number") return "integer";
  return "text";
}

/** A value as the text its input holds: lists one entry per line, null as empty. */
export function toDraft(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map((v) => String(v)).join("\n");
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** A value for people: lists comma-separated, null as "none", booleans as on/off. */
export function displayValue(value: unknown): string {
  if (value === null || value === undefined) return "none";
  if (Array.isArray(value)) return value.length === 0 ? "none" : value.map((v) => String(v)).join(", ");
  if (typeof value === "boolean") return value ? "on" : "off";
  if (typeof value === "string") return value === "" ? "none" : value;
  if (typeof value === "number") return String(value);
  return JSON.stringify(value);
}

export type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

/** Parses and checks a draft for a setting of `kind`; `nullable` text turns empty into null. */
export function parseDraft(name: string, kind: SettingKind, text: string, nullable = false): Parsed {
  const trimmed = text.trim();
  switch (kind) {
    case "boolean":
      if (trimmed === "true" || trimmed === "false") return { ok: true, value: trimmed === "true" };
      return { ok: false, error: "must be true or false" };
    case "integer": {
      if (!/^\d+$/.test(trimmed)) return { ok: false, error: "must be a whole number (0 or more)" };
      const n = Number(trimmed);
      const [min, max] = BOUNDS[name] ?? [0, Number.MAX_SAFE_INTEGER];
      if (!Number.isSafeInteger(n) || n < min || n > max) return { ok: false, error: `must be from ${min} to ${max}` };
      return { ok: true, value: n };
    }
    case "list": {
      const items = [...new Set(text.split("\n").map((s) => s.trim()).filter((s) => s !== ""))];
      if (items.length > 200) return { ok: false, error: "at most 200 entries" };
      if (name === "allowed_commands") {
        const bad = items.find((s) => s.includes("/") || /\s/.test(s));
        if (bad !== undefined) return { ok: false, error: `"${bad}" is not a program name (no paths or spaces)` };
      }
      return { ok: true, value: items };
    }
    case "choice": {
      const choices = choicesOf(name);
      if (choices.includes(trimmed)) return { ok: true, value: trimmed };
      return { ok: false, error: `must be one of ${choices.join(", ")}` };
    }
    case "text":
      if (trimmed === "") return nullable ? { ok: true, value: null } : { ok: false, error: "must not be empty" };
      return { ok: true, value: trimmed };
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export interface ChangeSet {
  /** Name → new value, for every editable setting whose draft differs from its value. */
  changes: Record<string, unknown>;
  /** Name → why its draft is not valid. A save is only possible without these. */
  errors: Record<string, string>;
}

/**
 * The changes the drafts make to `settings`. Names without a draft, locked names and drafts
 * equal to the current value are left out.
 */
export function changeSet(settings: Record<string, SettingView>, drafts: Record<string, string>): ChangeSet {
  const changes: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const [name, text] of Object.entries(drafts)) {
    const view = settings[name];
    if (!view || view.locked) continue;
    if (text === toDraft(view.value)) continue;
    const parsed = parseDraft(name, kindOf(name, view), text, view.default === null || view.value === null);
    if (!parsed.ok) errors[name] = parsed.error;
    else if (!sameValue(parsed.value, view.value)) changes[name] = parsed.value;
  }
  return { changes, errors };
}

export interface SettingGroup {
  id: string;
  title: string;
  names: string[];
}

const GROUPS: readonly { id: string; title: string; match: (name: string) => boolean }[] = [
  { id: "providers", title: "Providers", match: (n) => n === "default_provider" || n === "provider_timeout_seconds" },
  { id: "diff-guard", title: "Diff guard", match: (n) => n.startsWith("diff_guard_") },
  { id: "retention", title: "Retention policy", match: (n) => n.startsWith("retention_") },
  { id: "compliance", title: "Compliance", match: (n) => n === "compliance_mode" },
  // Everything else governs how the executor runs jobs (commands, timeouts, repair, output).
  { id: "executor", title: "Executor", match: () => true },
];

/** The settings' order within their groups (PRODUCT.md's list); others follow alphabetically. */
const SETTING_ORDER = [
  "allowed_commands",
  "command_timeout_seconds",
  "max_repair_attempts",
  "default_validation_mode",
  "heartbeat_interval_seconds",
  "output_limit_bytes_per_run",
  "keep_workspaces",
  "default_provider",
  "provider_timeout_seconds",
  "diff_guard_max_files",
  "diff_guard_max_lines",
  "diff_guard_protected_paths",
  "retention_events_days",
  "retention_events_max_bytes",
  "retention_audit_days",
  "retention_code_audit_days",
  "compliance_mode",
];

function rank(name: string): number {
  const i = SETTING_ORDER.indexOf(name);
  return i === -1 ? SETTING_ORDER.length : i;
}

/** Order in which the groups appear on the page. */
const ORDER = ["executor", "providers", "diff-guard", "retention", "compliance"];

/** The settings by group, in the page's order, each group in PRODUCT.md's order. */
export function groupSettings(names: readonly string[]): SettingGroup[] {
  const groups = new Map<string, SettingGroup>();
  const sorted = [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const name of sorted) {
    const def = GROUPS.find((g) => g.match(name));
    if (!def) continue;
    const group = groups.get(def.id) ?? { id: def.id, title: def.title, names: [] };
    group.names.push(name);
    groups.set(def.id, group);
  }
  return ORDER.flatMap((id) => {
    const group = groups.get(id);
    return group ? [group] : [];
  });
}
