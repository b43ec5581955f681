/**
 * One changed file in the diff viewer: a header that collapses it, and — only while it is open —
 * its diff, fetched from `/audit/runs/{id}/diff?path=` on first open and kept for the session.
 */
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { auditDiffQuery } from "../api";
import { onlyNewLines, parseUnifiedDiff } from "../diff";
import { formatCount } from "../format";
import type { AuditFile } from "../../../api/types";
import { SplitDiffTable, UnifiedDiffTable } from "./DiffTables";

export type DiffMode = "unified" | "split";

interface Props {
  runId: string;
  file: AuditFile;
  open: boolean;
  onToggle: () => void;
  mode: DiffMode;
  newOnly: boolean;
}

/**
 * One file's stored diff of a run, fetched on mount and kept for the session. Exported for Code
 * Audit, which shows the same diffs per evidence set.
 */
export function FileDiffBody({ runId, path, mode, newOnly }: { runId: string; path: string; mode: DiffMode; newOnly: boolean }) {
  const { data, isPending, isError, error } = useQuery(auditDiffQuery(runId, path));
  const parsed = useMemo(() => (data === undefined ? null : parseUnifiedDiff(data)), [data]);
  if (isPending) return <Loading label={`Loading the diff of ${path}…`} />;
  if (isError) return <ErrorNotice error={error} title={`Could not load the diff of ${path}`} />;
  if (!parsed) return null;
  if (parsed.binary) return <p className="muted">Binary file: no lines to show.</p>;
  const shown = newOnly ? onlyNewLines(parsed) : parsed;
  if (shown.hunks.length === 0) {
    return <p className="muted">{newOnly ? "No new lines in this file." : "No line changes (mode or rename only)."}</p>;
  }
  const label = `Diff of ${path}`;
  return (
    <div className="diff-wrap">
      {mode === "split" ? <SplitDiffTable diff={shown} label={label} /> : <UnifiedDiffTable diff={shown} label={label} />}
    </div>
  );
}

export function DiffFile({ runId, file, open, onToggle, mode, newOnly }: Props) {
  return (
    <li className="diff-file" data-path={file.path} data-change={file.change}>
      <button type="button" className="diff-file__header" aria-expanded={open} onClick={onToggle}>
        <span className="diff-file__chevron" aria-hidden="true">
          {open ? "▾" : "▸"}
        </span>
        <span className="mono diff-file__path">
          {file.old_path && file.old_path !== file.path ? `${file.old_path} → ` : ""}
          {file.path}
        </span>
        <span className={`tag tag--change-${file.change.replace(/[^a-z]/g, "")}`}>{file.change}</span>
        <span className="diffstat diffstat--add">+{formatCount(file.additions)}</span>
        <span className="diffstat diffstat--del">−{formatCount(file.deletions)}</span>
      </button>
      {open ? <FileDiffBody runId={runId} path={file.path} mode={mode} newOnly={newOnly} /> : null}
    </li>
  );
}
