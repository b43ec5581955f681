/**
 * Retention API calls and their query keys: the pruner's state (`GET /api/v1/retention`), the
 * preview of the next prune under optional overrides (`GET …/preview`), and Prune now
 * (`POST …/prune`), after which everything that shows retention state is refetched.
 */
import { keepPreviousData, queryOptions, type QueryClient } from "@tanstack/react-query";
import { apiGet, apiRequest } from "../../api/client";
import type { PruneReport, RetentionPreview, RetentionStatus } from "../../api/types";
import { previewPath } from "./retention";

export const retentionKeys = {
  all: ["retention"] as const,
  status: () => [...retentionKeys.all, "status"] as const,
  preview: (query: string) => [...retentionKeys.all, "preview", query] as const,
};

export function retentionStatusQuery() {
  return queryOptions({
    queryKey: retentionKeys.status(),
    queryFn: ({ signal }) => apiGet<RetentionStatus>("/api/v1/retention", signal),
    refetchInterval: 60_000,
  });
}

/** `query` comes from `previewQuery` (the unsaved edits as overrides). */
export function retentionPreviewQuery(query: string) {
  return queryOptions({
    queryKey: retentionKeys.preview(query),
    queryFn: ({ signal }) => apiGet<RetentionPreview>(previewPath(query), signal),
    placeholderData: keepPreviousData,
  });
}

/** Prunes now; then the pruner's state, previews, runs and audit lists are refetched. */
export async function pruneNow(queryClient: QueryClient): Promise<PruneReport> {
  const report = await apiRequest<PruneReport>("/api/v1/retention/prune", { method: "POST" });
  await Promise.all(
    [retentionKeys.all, ["runs"], ["audit"], ["jobs"], ["code-audit"]].map((queryKey) =>
      queryClient.invalidateQueries({ queryKey }),
    ),
  );
  return report;
}
