/**
 * Retention policy logic for the settings page: which setting each preview override stands for,
 * and the query a preview sends so it shows what the next prune would remove under the unsaved
 * edits (only valid, changed retention drafts become overrides).
 */
import type { SettingView } from "../../api/types";
import { changeSet } from "./model";

/** Preview query parameter → the setting it overrides (API.md, `GET /api/v1/retention/preview`). */
export const PREVIEW_OVERRIDES = {
  events_days: "retention_events_days",
  audit_days: "retention_audit_days",
  code_audit_days: "retention_code_audit_days",
  events_max_bytes: "retention_events_max_bytes",
} as const;

/** The retention settings, in the order the page shows them. */
export const RETENTION_SETTINGS = Object.values(PREVIEW_OVERRIDES);

/**
 * The preview's query string ("" when nothing is overridden): each retention setting whose draft
 * is valid and differs from the stored value. Invalid drafts are left out, so the preview keeps
 * showing the stored policy for them rather than failing.
 */
export function previewQuery(settings: Record<string, SettingView>, drafts: Record<string, string>): string {
  const retentionDrafts: Record<string, string> = {};
  for (const name of RETENTION_SETTINGS) {
    const draft = drafts[name];
    if (draft !== undefined) retentionDrafts[name] = draft;
  }
  const { changes } = changeSet(settings, retentionDrafts);
  const params = new URLSearchParams();
  for (const [param, name] of Object.entries(PREVIEW_OVERRIDES)) {
    const value = changes[name];
    if (typeof value === "number") params.set(param, String(value));
  }
  return params.toString();
}

/** The preview's API path for a query from `previewQuery`. */
export function previewPath(query: string): string {
  return query ? `/api/v1/retention/preview?${query}` : "/api/v1/retention/preview";
}
