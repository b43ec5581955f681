/**
 * The Ticket Audit list's filters: their shape, their URL form (the API's own parameter names, so
 * a page URL's query string is also the API's), and the list and export paths built from them.
 * Choice filters only keep values the API accepts; equal filters always give equal query keys.
 */
import { TERMINAL_STATUSES } from "../../api/types";
import { parseTimestamp } from "../../lib/format";

/** Reason codes (API.md, "Stages, outcomes and reason codes"), grouped by the status they end in. */
export const REASON_CODES = [
  "published",
  "published_with_advisory_failures",
  "command_not_allowed",
  "provider_not_ready",
  "diff_guard",
  "no_changes",
  "setup_failed",
  "provider_error",
  "provider_timeout",
  "validation_failed",
  "command_timeout",
  "output_limit",
  "publish_failed",
  "worker_restarted",
  "worker_shutdown",
  "internal_error",
  "cancelled_by_user",
] as const;

/** Filters with a closed set of values, each with the values it accepts. */
export const CHOICE_FILTERS = {
  status: TERMINAL_STATUSES,
  reason_code: REASON_CODES,
  validation: ["passed", "failed", "none"],
  repair_ran: ["true", "false"],
  review_fixes_ran: ["true", "false"],
} as const;
export type ChoiceFilter = keyof typeof CHOICE_FILTERS;

/** Free-text filters; `since`/`until` are RFC 3339 times (finished at or after / before). */
export const TEXT_FILTERS = ["provider", "repository", "ticket", "branch", "q", "since", "until"] as const;
export type TextFilter = (typeof TEXT_FILTERS)[number];

export type AuditFilterName = ChoiceFilter | TextFilter;
/** Every filter, in the order it is written into URLs. */
export const FILTER_NAMES: readonly AuditFilterName[] = [
  ...(Object.keys(CHOICE_FILTERS) as ChoiceFilter[]),
  ...TEXT_FILTERS,
];

export type AuditFilters = Partial<Record<AuditFilterName, string>>;

function isChoice(name: AuditFilterName): name is ChoiceFilter {
  return name in CHOICE_FILTERS;
}

/** A canonical copy: trimmed values, known choices only, parsable times only, no empty values. */
export function normalizeAuditFilters(input: Partial<Record<AuditFilterName, unknown>>): AuditFilters {
  const out: AuditFilters = {};
  for (const name of FILTER_NAMES) {
    const raw = input[name];
    if (typeof raw !== "string") continue;
    const value = raw.trim();
    if (value === "") continue;
    if (isChoice(name) && !(CHOICE_FILTERS[name] as readonly string[]).includes(value)) continue;
    if ((name === "since" || name === "until") && parseTimestamp(value) === null) continue;
    out[name] = value;
  }
  return out;
}

/** Reads the filters from a page URL's query string. */
export function auditFiltersFromSearchParams(params: URLSearchParams): AuditFilters {
  const input: Partial<Record<AuditFilterName, unknown>> = {};
  for (const name of FILTER_NAMES) input[name] = params.get(name) ?? undefined;
  return normalizeAuditFilters(input);
}

/** Writes the filters into a copy of `base` (unrelated parameters survive), removing unset ones. */
export function auditFiltersToSearchParams(filters: AuditFilters, base = new URLSearchParams()): URLSearchParams {
  const next = new URLSearchParams(base);
  const clean = normalizeAuditFilters(filters);
  for (const name of FILTER_NAMES) {
    const value = clean[name];
    if (value) next.set(name, value);
    else next.delete(name);
  }
  return next;
}

export function hasAuditFilters(filters: AuditFilters): boolean {
  return Object.keys(normalizeAuditFilters(filters)).length > 0;
}

/** Every filter unset, for "Clear filters". */
export const NO_FILTERS: Record<AuditFilterName, undefined> = Object.fromEntries(
  FILTER_NAMES.map((name) => [name, undefined]),
) as Record<AuditFilterName, undefined>;

export const AUDIT_PAGE_SIZE = 50;

/** The path of one page of `GET /api/v1/audit/runs`. */
export function auditPagePath(filters: AuditFilters, cursor: string | null, limit = AUDIT_PAGE_SIZE): string {
  const params = auditFiltersToSearchParams(filters);
  params.set("limit", String(limit));
  if (cursor) params.set("cursor", cursor);
  return `/api/v1/audit/runs?${params.toString()}`;
}

export type ExportFormat = "csv" | "ndjson";

/** The streamed export of every run matching the filters (not just the loaded pages). */
export function auditExportPath(filters: AuditFilters, format: ExportFormat): string {
  const params = new URLSearchParams({ format });
  return `/api/v1/audit/export?${auditFiltersToSearchParams(filters, params).toString()}`;
}
