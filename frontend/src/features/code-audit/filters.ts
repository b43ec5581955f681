/**
 * The repository page's URL state and the API paths built from it. `status` and `q` filter the
 * files table (the API's own parameter names), `file` selects the file shown in the file view, and
 * `line` the line whose evidence is open — so every view can be reloaded and shared.
 */
import { isLineStatus } from "./status";
import type { LineStatus } from "../../api/types";

export interface RepoView {
  status?: LineStatus;
  q?: string;
  file?: string;
  line?: number;
}

const NAMES = ["status", "q", "file", "line"] as const;

/** A canonical copy: known statuses only, trimmed search, positive integer lines, no empty values. */
export function normalizeRepoView(input: Partial<Record<keyof RepoView, unknown>>): RepoView {
  const out: RepoView = {};
  if (typeof input.status === "string" && isLineStatus(input.status)) out.status = input.status;
  if (typeof input.q === "string" && input.q.trim() !== "") out.q = input.q.trim();
  // Paths are kept as given: a file name may start or end with spaces.
  if (typeof input.file === "string" && input.file !== "") out.file = input.file;
  const line = typeof input.line === "string" ? Number(input.line) : input.line;
  if (out.file !== undefined && typeof line === "number" && Number.isInteger(line) && line > 0) out.line = line;
  return out;
}

export function repoViewFromSearchParams(params: URLSearchParams): RepoView {
  const input: Partial<Record<keyof RepoView, unknown>> = {};
  for (const name of NAMES) input[name] = params.get(name) ?? undefined;
  return normalizeRepoView(input);
}

/** Writes the view into a copy of `base` (unrelated parameters survive), removing unset values. */
export function repoViewToSearchParams(view: RepoView, base = new URLSearchParams()): URLSearchParams {
  const next = new URLSearchParams(base);
  const clean = normalizeRepoView(view);
  for (const name of NAMES) {
    const value = clean[name];
    if (value === undefined) next.delete(name);
    else next.set(name, String(value));
  }
  return next;
}

const BASE = "/api/v1/code-audit/repositories";

export function repoPath(repoId: string): string {
  return `${BASE}/${encodeURIComponent(repoId)}`;
}

/** `GET …/files?status=&q=` for the files table's filters. */
export function filesPath(repoId: string, filters: Pick<RepoView, "status" | "q">): string {
  const params = new URLSearchParams();
  if (filters.status) params.set("status", filters.status);
  if (filters.q) params.set("q", filters.q);
  const query = params.toString();
  return `${repoPath(repoId)}/files${query ? `?${query}` : ""}`;
}

/** `GET …/file?path=` (at the reconciled commit) or `&ref=` for another commit. */
export function filePath(repoId: string, path: string, ref?: string): string {
  const params = new URLSearchParams({ path });
  if (ref) params.set("ref", ref);
  return `${repoPath(repoId)}/file?${params.toString()}`;
}

export type ExportFormat = "csv" | "json" | "agent-trace";
export type ExportLevel = "ranges" | "files";

/** The streamed export of one repository's evidence; without `level` the server's default (ranges). */
export function exportPath(repoId: string, format: ExportFormat, level?: ExportLevel): string {
  const params = new URLSearchParams({ repository: repoId, format });
  if (level) params.set("level", level);
  return `/api/v1/code-audit/export?${params.toString()}`;
}
