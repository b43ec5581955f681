/**
 * Ticket Audit API calls and their TanStack Query keys (`auditKeys` is the one place they are
 * built). Audit records describe terminal runs, so they do not change: details and diffs are
 * cached for the session; only the list is refetched (new runs finish).
 */
import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import { apiGet, apiGetText } from "../../api/client";
import { AUDIT_PAGE_SIZE, auditPagePath, type AuditFilters } from "./filters";
import type { AuditList, TicketAudit } from "../../api/types";

export const auditKeys = {
  all: ["audit"] as const,
  lists: () => [...auditKeys.all, "list"] as const,
  /** `filters` must be normalised (see `normalizeAuditFilters`). */
  list: (filters: AuditFilters, limit = AUDIT_PAGE_SIZE) => [...auditKeys.lists(), filters, limit] as const,
  detail: (runId: string) => [...auditKeys.all, "detail", runId] as const,
  diff: (runId: string, path: string) => [...auditKeys.detail(runId), "diff", path] as const,
};

export function auditListQuery(filters: AuditFilters, limit = AUDIT_PAGE_SIZE) {
  return infiniteQueryOptions({
    queryKey: auditKeys.list(filters, limit),
    queryFn: ({ pageParam, signal }) => apiGet<AuditList>(auditPagePath(filters, pageParam, limit), signal),
    initialPageParam: null as string | null,
    getNextPageParam: (lastPage) => lastPage.next_cursor ?? null,
  });
}

/** The record's API path; `download` adds `?download=1` (served with Content-Disposition). */
export function auditRecordPath(runId: string, download = false): string {
  const path = `/api/v1/audit/runs/${encodeURIComponent(runId)}`;
  return download ? `${path}?download=1` : path;
}

export function auditDetailQuery(runId: string) {
  return queryOptions({
    queryKey: auditKeys.detail(runId),
    queryFn: ({ signal }) => apiGet<TicketAudit>(auditRecordPath(runId), signal),
    staleTime: Infinity,
  });
}

export function auditDiffPath(runId: string, path: string): string {
  return `${auditRecordPath(runId)}/diff?${new URLSearchParams({ path }).toString()}`;
}

export function auditDiffQuery(runId: string, path: string) {
  return queryOptions({
    queryKey: auditKeys.diff(runId, path),
    queryFn: ({ signal }) => apiGetText(auditDiffPath(runId, path), signal),
    staleTime: Infinity,
  });
}
