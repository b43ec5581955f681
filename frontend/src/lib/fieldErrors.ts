/**
 * Field errors from a 422 `validation_failed` answer (`details.fields: [{path, code, message}]`),
 * keyed by field name so forms can show each next to its input. `prefix` strips a body path
 * prefix (`settings.` for provider updates), so "settings.api_key" becomes "api_key".
 */
import { ApiError } from "../api/client";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Messages by field name; empty for any error that is not a 422 with field details. */
export function fieldErrorsOf(error: unknown, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ApiError) || error.status !== 422 || !isRecord(error.details)) return out;
  const fields = error.details.fields;
  if (!Array.isArray(fields)) return out;
  for (const field of fields as unknown[]) {
    if (!isRecord(field) || typeof field.path !== "string" || typeof field.message !== "string") continue;
    const name = prefix && field.path.startsWith(prefix) ? field.path.slice(prefix.length) : field.path;
    // The first message per field is the one shown.
    out[name] ??= field.message;
  }
  return out;
}

/** A 409 `conflict` (a locked setting or field): its message, else null. */
export function conflictMessage(error: unknown): string | null {
  return error instanceof ApiError && error.status === 409 ? error.message : null;
}
