/**
 * The provider edit form's logic, free of React: the drafts a card starts from (a secret input
 * always starts empty — stored secrets are never shown), the placeholder that says a secret is
 * stored, client-side checks, and the partial update a submit sends. An empty secret keeps the
 * stored one by leaving the field out; clearing it is a separate, explicit action that sends "".
 */
import type { ProviderItem } from "../../api/types";

export type Drafts = Record<string, string>;

/** The fields of a provider, in the API's order. */
export function fieldsOf(item: ProviderItem): string[] {
  return Object.keys(item.settings);
}

export function isSecret(item: ProviderItem, field: string): boolean {
  return item.secret_fields.includes(field);
}

export function isLocked(item: ProviderItem, field: string): boolean {
  return item.locked_fields.includes(field);
}

/** Starting drafts: each plain field's current value; secrets empty. */
export function initialDrafts(item: ProviderItem): Drafts {
  const out: Drafts = {};
  for (const field of fieldsOf(item)) {
    out[field] = isSecret(item, field) ? "" : (item.settings[field] ?? "");
  }
  return out;
}

/** The secret input's placeholder: the masked value when one is stored ("…abcd"), never the secret. */
export function secretPlaceholder(masked: string | null | undefined): string {
  return masked ? `stored (${masked}) — leave empty to keep` : "not set";
}

/** Client-side checks of the drafts that would be sent; the server checks again (422). */
export function draftErrors(item: ProviderItem, drafts: Drafts): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [field, value] of Object.entries(providerPatch(item, drafts))) {
    if (value === "") continue;
    if (field === "base_url" && !/^https?:\/\/[^\s/]+/i.test(value)) {
      errors[field] = "must be an http:// or https:// URL";
    } else if ((field === "model" || isSecret(item, field)) && /\s/.test(value)) {
      errors[field] = "must not contain whitespace";
    } else if (field === "max_turns" && !(/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 1000)) {
      errors[field] = "must be a whole number from 1 to 1000";
    } else if (isSecret(item, field) && value.startsWith("…")) {
      errors[field] = "give the full secret, not its masked value";
    }
  }
  return errors;
}

/**
 * The partial update for `PUT /api/v1/providers/{id}`: changed plain fields (empty clears them),
 * secrets only when something was typed, never a locked field.
 */
export function providerPatch(item: ProviderItem, drafts: Drafts): Record<string, string> {
  const patch: Record<string, string> = {};
  for (const field of fieldsOf(item)) {
    if (isLocked(item, field)) continue;
    const draft = drafts[field];
    if (draft === undefined) continue;
    const value = draft.trim();
    if (isSecret(item, field)) {
      if (value !== "") patch[field] = value;
    } else if (value !== (item.settings[field] ?? "")) {
      patch[field] = value;
    }
  }
  return patch;
}

/** A readiness check's result in words: passed, failed, or unknown (could not tell). */
export function checkResult(ok: boolean | null | undefined): "passed" | "failed" | "unknown" {
  if (ok === true) return "passed";
  if (ok === false) return "failed";
  return "unknown";
}
