/**
 * Formatters for what the UI shows: durations (API durations are integer milliseconds), relative
 * and absolute timestamps (API timestamps are RFC 3339 UTC), and a run's elapsed time.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A compact duration: "850ms", "12.3s", "4m 05s", "2h 03m", "3d 04h". Negative → "0ms". */
export function formatDuration(ms: number): string {
  const value = Math.max(0, Math.round(ms));
  if (value < SECOND) return `${value}ms`;
  if (value < MINUTE) {
    const tenths = Math.floor(value / 100) / 10;
    return `${tenths.toFixed(1)}s`;
  }
  const pad = (n: number) => String(n).padStart(2, "0");
  if (value < HOUR) {
    return `${Math.floor(value / MINUTE)}m ${pad(Math.floor((value % MINUTE) / SECOND))}s`;
  }
  if (value < DAY) {
    return `${Math.floor(value / HOUR)}h ${pad(Math.floor((value % HOUR) / MINUTE))}m`;
  }
  return `${Math.floor(value / DAY)}d ${pad(Math.floor((value % DAY) / HOUR))}h`;
}

/** Milliseconds since the epoch for an RFC 3339 string, or null when it does not parse. */
export function parseTimestamp(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** Time until a moment ahead: "in 42s", "in 5m", "in 3h", "in 2d". */
function formatAhead(ms: number): string {
  if (ms < MINUTE) return `in ${Math.floor(ms / SECOND)}s`;
  if (ms < HOUR) return `in ${Math.floor(ms / MINUTE)}m`;
  if (ms < DAY) return `in ${Math.floor(ms / HOUR)}h`;
  return `in ${Math.floor(ms / DAY)}d`;
}

/**
 * "just now", "42s ago", "5m ago", "3h ago", "2d ago"; older than 30 days → the date. A moment
 * more than 10 s ahead (a scheduled time) reads "in 5m".
 */
export function formatRelative(iso: string, now: number): string {
  const at = parseTimestamp(iso);
  if (at === null) return iso;
  const age = now - at;
  if (age < -10 * SECOND) return formatAhead(-age);
  if (age < 10 * SECOND) return "just now";
  if (age < MINUTE) return `${Math.floor(age / SECOND)}s ago`;
  if (age < HOUR) return `${Math.floor(age / MINUTE)}m ago`;
  if (age < DAY) return `${Math.floor(age / HOUR)}h ago`;
  if (age < 30 * DAY) return `${Math.floor(age / DAY)}d ago`;
  return iso.slice(0, 10);
}

/** An absolute local time for titles and detail views, with the UTC original alongside. */
export function formatAbsolute(iso: string): string {
  const at = parseTimestamp(iso);
  if (at === null) return iso;
  const local = new Date(at).toLocaleString(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
  return `${local} (${iso})`;
}

/** The local time of day with milliseconds ("13:05:09.042"), for event rows and stage starts. */
export function formatClock(iso: string): string {
  const at = parseTimestamp(iso);
  if (at === null) return iso;
  const d = new Date(at);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

interface Timed {
  started_at?: string | null;
  finished_at?: string | null;
  duration_ms?: number | null;
}

/**
 * A run's duration in ms: the recorded `duration_ms` when there is one, the time since start for
 * a run still going, otherwise null (not started yet).
 */
export function elapsedMs(run: Timed, now: number): number | null {
  if (run.duration_ms !== null && run.duration_ms !== undefined) return run.duration_ms;
  const started = parseTimestamp(run.started_at);
  if (started === null) return null;
  const finished = parseTimestamp(run.finished_at);
  return Math.max(0, (finished ?? now) - started);
}

/** "claude-code-cli / sonnet", "command", or "—" when the provider is not decided yet. */
export function formatProvider(provider: { id?: string | null; kind?: string | null; model?: string | null }): string {
  const name = provider.id ?? provider.kind;
  if (!name) return "—";
  return provider.model ? `${name} / ${provider.model}` : name;
}

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;

/**
 * A byte count in binary units: "512 B", "1.5 KiB", "256 MiB", "12 GiB" (one decimal below 10,
 * none from 10 up, none for exact values). Negative or non-finite → "0 B".
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes <= 0) return "0 B";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const suffix = BYTE_UNITS[unit] ?? "B";
  if (unit === 0 || Number.isInteger(value) || value >= 10) return `${Math.round(value)} ${suffix}`;
  return `${value.toFixed(1)} ${suffix}`;
}
