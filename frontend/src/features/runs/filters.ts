/**
 * The runs list's filters: their shape, their URL form (`?status=a,b&repository=&ticket=&provider=
 * &q=&since=&until=`), the API query string built from them, and the predicate that decides whether
 * a run arriving on the live stream belongs in a list with these filters. The predicate mirrors the
 * server's rules (db/runs.rs) so live inserts and a refetch agree.
 */
import { isRunStatus, type Run, type RunStatus } from "../../api/types";
import { parseTimestamp } from "../../lib/format";

/** Filters that narrow the runs list; they live in the URL and form part of the query key. */
export interface RunListFilters {
  status?: RunStatus[];
  /** Repository id or name. */
  repository?: string;
  /** Ticket key. */
  ticket?: string;
  /** Provider id. */
  provider?: string;
  /** Text over ticket key/title, outcome reason and error message. */
  q?: string;
  /** RFC 3339: created at or after. */
  since?: string;
  /** RFC 3339: created before. */
  until?: string;
}

/** The single-value filters, in the order they appear in URLs. */
export const TEXT_FILTERS = ["repository", "ticket", "provider", "q", "since", "until"] as const;
export type TextFilter = (typeof TEXT_FILTERS)[number];

/**
 * A canonical copy: known statuses only (deduplicated, in lifecycle order), trimmed text, no empty
 * values, and timestamps only when they parse. Equal filters always give equal query keys.
 */
export function normalizeFilters(input: Partial<Record<keyof RunListFilters, unknown>>): RunListFilters {
  const out: RunListFilters = {};
  const status = Array.isArray(input.status)
    ? input.status.filter((s): s is string => typeof s === "string").filter(isRunStatus)
    : [];
  if (status.length > 0) out.status = [...new Set(status)].sort(byLifecycle);
  for (const name of TEXT_FILTERS) {
    const raw = input[name];
    if (typeof raw !== "string") continue;
    const value = raw.trim();
    if (value === "") continue;
    if ((name === "since" || name === "until") && parseTimestamp(value) === null) continue;
    out[name] = value;
  }
  return out;
}

const LIFECYCLE: readonly string[] = ["queued", "running", "completed", "blocked", "failed", "cancelled"];
function byLifecycle(a: string, b: string): number {
  return LIFECYCLE.indexOf(a) - LIFECYCLE.indexOf(b);
}

/** Reads the filters from a page URL's query string. Unknown statuses and bad timestamps are dropped. */
export function filtersFromSearchParams(params: URLSearchParams): RunListFilters {
  const input: Partial<Record<keyof RunListFilters, unknown>> = {
    status: (params.get("status") ?? "").split(","),
  };
  for (const name of TEXT_FILTERS) input[name] = params.get(name) ?? undefined;
  return normalizeFilters(input);
}

/**
 * Writes the filters into a copy of `base` (so unrelated parameters survive), removing the ones
 * that are not set.
 */
export function filtersToSearchParams(filters: RunListFilters, base = new URLSearchParams()): URLSearchParams {
  const next = new URLSearchParams(base);
  const clean = normalizeFilters(filters);
  if (clean.status) next.set("status", clean.status.join(","));
  else next.delete("status");
  for (const name of TEXT_FILTERS) {
    const value = clean[name];
    if (value) next.set(name, value);
    else next.delete(name);
  }
  return next;
}

/** Whether any filter is set. */
export function hasFilters(filters: RunListFilters): boolean {
  return Object.keys(normalizeFilters(filters)).length > 0;
}

export const RUNS_PAGE_SIZE = 50;

/** The path of one page of `GET /api/v1/runs`. */
export function runsPagePath(filters: RunListFilters, cursor: string | null, limit = RUNS_PAGE_SIZE): string {
  const params = filtersToSearchParams(filters);
  params.set("limit", String(limit));
  if (cursor) params.set("cursor", cursor);
  return `/api/v1/runs?${params.toString()}`;
}

function contains(haystack: string | null | undefined, needle: string): boolean {
  return typeof haystack === "string" && haystack.toLowerCase().includes(needle);
}

/** Whether a run belongs in a list with these filters (same rules as the server's list query). */
export function runMatchesFilters(run: Run, filters: RunListFilters): boolean {
  if (filters.status && filters.status.length > 0 && !(filters.status as readonly string[]).includes(run.status)) {
    return false;
  }
  if (filters.repository && run.repository.id !== filters.repository && run.repository.name !== filters.repository) {
    return false;
  }
  if (filters.ticket && run.ticket.key !== filters.ticket) return false;
  if (filters.provider && run.provider.id !== filters.provider) return false;
  if (filters.q) {
    // SQLite's LIKE is case-insensitive for ASCII; lower-casing both sides matches it closely enough.
    const q = filters.q.toLowerCase();
    const hit =
      contains(run.ticket.key, q) ||
      contains(run.ticket.title, q) ||
      contains(run.error?.message, q) ||
      contains(run.outcome?.reason, q);
    if (!hit) return false;
  }
  const created = parseTimestamp(run.created_at);
  if (filters.since) {
    const since = parseTimestamp(filters.since);
    if (since !== null && (created === null || created < since)) return false;
  }
  if (filters.until) {
    const until = parseTimestamp(filters.until);
    if (until !== null && (created === null || created >= until)) return false;
  }
  return true;
}

/** A `datetime-local` input's value ("2026-11-24T13:05") for an RFC 3339 time, in local time. */
export function toLocalInputValue(iso: string | undefined): string {
  const ms = parseTimestamp(iso);
  if (ms === null) return "";
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The UTC RFC 3339 time for a `datetime-local` value (read as local time); undefined when empty or invalid. */
export function fromLocalInputValue(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Time-range presets offered next to the custom inputs. */
export const TIME_PRESETS = [
  { label: "Last hour", ms: 60 * 60 * 1000 },
  { label: "Last 24 h", ms: 24 * 60 * 60 * 1000 },
  { label: "Last 7 days", ms: 7 * 24 * 60 * 60 * 1000 },
] as const;

/** The `since` for a preset at `now`, to the second. */
export function presetSince(ms: number, now: number): string {
  return new Date(Math.floor((now - ms) / 1000) * 1000).toISOString();
}
