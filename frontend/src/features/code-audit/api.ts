/**
 * Code Audit API calls and their TanStack Query keys (`codeAuditKeys` is the one place they are
 * built). Everything about one repository sits under `codeAuditKeys.repo(id)`, so a finished
 * reconciliation refreshes the whole page with one invalidation.
 */
import { queryOptions } from "@tanstack/react-query";
import { apiGet, apiRequest } from "../../api/client";
import { filePath, filesPath, repoPath, type RepoView } from "./filters";
import type {
  CodeFileList,
  CodeFileView,
  CodeRepo,
  CodeRepoList,
  EvidenceSetList,
  Reconciliation,
  ReconciliationList,
} from "../../api/types";

type FileFilters = Pick<RepoView, "status" | "q">;

export const codeAuditKeys = {
  all: ["code-audit"] as const,
  repos: () => [...codeAuditKeys.all, "repos"] as const,
  repo: (id: string) => [...codeAuditKeys.all, "repo", id] as const,
  detail: (id: string) => [...codeAuditKeys.repo(id), "detail"] as const,
  /** `filters` must be normalised (see `normalizeRepoView`). */
  files: (id: string, filters: FileFilters) => [...codeAuditKeys.repo(id), "files", filters] as const,
  file: (id: string, path: string) => [...codeAuditKeys.repo(id), "file", path] as const,
  runs: (id: string) => [...codeAuditKeys.repo(id), "runs"] as const,
  reconciliations: (id: string) => [...codeAuditKeys.repo(id), "reconciliations"] as const,
};

export function reposQuery() {
  return queryOptions({
    queryKey: codeAuditKeys.repos(),
    queryFn: ({ signal }) => apiGet<CodeRepoList>("/api/v1/code-audit/repositories", signal),
  });
}

export function repoDetailQuery(id: string) {
  return queryOptions({
    queryKey: codeAuditKeys.detail(id),
    queryFn: ({ signal }) => apiGet<CodeRepo>(repoPath(id), signal),
  });
}

export function filesQuery(id: string, filters: FileFilters) {
  const key: FileFilters = {};
  if (filters.status) key.status = filters.status;
  if (filters.q) key.q = filters.q;
  return queryOptions({
    queryKey: codeAuditKeys.files(id, key),
    queryFn: ({ signal }) => apiGet<CodeFileList>(filesPath(id, key), signal),
  });
}

export function fileQuery(id: string, path: string) {
  return queryOptions({
    queryKey: codeAuditKeys.file(id, path),
    queryFn: ({ signal }) => apiGet<CodeFileView>(filePath(id, path), signal),
  });
}

export function evidenceSetsQuery(id: string) {
  return queryOptions({
    queryKey: codeAuditKeys.runs(id),
    queryFn: ({ signal }) => apiGet<EvidenceSetList>(`${repoPath(id)}/runs`, signal),
  });
}

export function reconciliationsQuery(id: string) {
  return queryOptions({
    queryKey: codeAuditKeys.reconciliations(id),
    queryFn: ({ signal }) => apiGet<ReconciliationList>(`${repoPath(id)}/reconciliations`, signal),
  });
}

/** `POST …/reconcile` → 202 with the queued job (or the one already pending). */
export function requestReconciliation(id: string): Promise<Reconciliation> {
  return apiRequest<Reconciliation>(`${repoPath(id)}/reconcile`, { method: "POST" });
}

/** `PATCH …/{id}` with the tracked branch; null goes back to the remote's default branch. */
export function setTrackedBranch(id: string, branch: string | null): Promise<CodeRepo> {
  return apiRequest<CodeRepo>(repoPath(id), { method: "PATCH", body: { default_branch: branch } });
}
