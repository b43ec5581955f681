/**
 * `GET /api/v1/health` (cached checks, worker state), `?refresh=1` (run the checks now), the hour
 * timeline (`GET /api/v1/health/history`), and the live `health.changed` messages (data: one
 * check), which replace that check in the cached report and refetch what depends on it.
 */
import { queryOptions, type QueryClient } from "@tanstack/react-query";
import { apiGet } from "../../api/client";
import type { HealthCheck, HealthHistory, HealthReport, HealthStatus } from "../../api/types";

export const healthKeys = {
  all: ["health"] as const,
  report: () => [...healthKeys.all, "report"] as const,
  history: () => [...healthKeys.all, "history"] as const,
};

export function healthQuery() {
  return queryOptions({
    queryKey: healthKeys.report(),
    queryFn: ({ signal }) => apiGet<HealthReport>("/api/v1/health", signal),
    // The stream pushes changes; this only catches what a dropped connection missed.
    refetchInterval: 30_000,
  });
}

export function healthHistoryQuery() {
  return queryOptions({
    queryKey: healthKeys.history(),
    queryFn: ({ signal }) => apiGet<HealthHistory>("/api/v1/health/history", signal),
    refetchInterval: 60_000,
  });
}

/** Runs every check now (the server bounds each by its timeout) and caches the answer. */
export async function refreshHealth(queryClient: QueryClient): Promise<HealthReport> {
  const report = await apiGet<HealthReport>("/api/v1/health?refresh=1");
  queryClient.setQueryData(healthKeys.report(), report);
  await queryClient.invalidateQueries({ queryKey: healthKeys.history() });
  return report;
}

const STATUS_ORDER: readonly HealthStatus[] = ["ok", "degraded", "down"];

/** The worst of some statuses (`ok` for none). */
export function worstStatus(statuses: readonly HealthStatus[]): HealthStatus {
  return statuses.reduce<HealthStatus>((worst, s) => (STATUS_ORDER.indexOf(s) > STATUS_ORDER.indexOf(worst) ? s : worst), "ok");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses a `health.changed` message; null when it is not a check. */
export function parseHealthChanged(data: string): HealthCheck | null {
  try {
    const value: unknown = JSON.parse(data);
    if (
      isRecord(value) &&
      typeof value.name === "string" &&
      typeof value.status === "string" &&
      (STATUS_ORDER as readonly string[]).includes(value.status)
    ) {
      return value as unknown as HealthCheck;
    }
  } catch {
    // Dropped; the next refetch brings the state.
  }
  return null;
}

/** The report with `check` replaced by name (or appended) and the overall status recomputed. */
export function applyCheck(report: HealthReport, check: HealthCheck): HealthReport {
  const index = report.checks.findIndex((c) => c.name === check.name);
  const checks = index === -1 ? [...report.checks, check] : report.checks.map((c, i) => (i === index ? check : c));
  return { ...report, checks, status: worstStatus(checks.map((c) => c.status)) };
}

/** Applies one `health.changed` message to the cache, then refetches the worker state and timeline. */
export function applyHealthEvent(queryClient: QueryClient, data: string): void {
  const check = parseHealthChanged(data);
  if (!check) return;
  queryClient.setQueryData<HealthReport>(healthKeys.report(), (report) => (report ? applyCheck(report, check) : report));
  void queryClient.invalidateQueries({ queryKey: healthKeys.all });
}
