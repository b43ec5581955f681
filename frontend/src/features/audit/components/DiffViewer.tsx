/**
 * The files a run changed, each with its diff: unified or split, "new lines only", and per-file
 * collapse. Small change sets open every file; larger ones start collapsed so only the files a
 * reviewer opens are fetched.
 */
import { useState } from "react";
import type { AuditFile } from "../../../api/types";
import { DiffFile, type DiffMode } from "./DiffFile";

/** Up to this many files start open. */
const OPEN_BY_DEFAULT = 10;

export function DiffViewer({ runId, files }: { runId: string; files: AuditFile[] }) {
  const [mode, setMode] = useState<DiffMode>("unified");
  const [newOnly, setNewOnly] = useState(false);
  const [open, setOpen] = useState<ReadonlySet<string>>(
    () => new Set(files.length <= OPEN_BY_DEFAULT ? files.map((f) => f.path) : []),
  );
  const toggle = (path: string) => {
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });
  };

  return (
    <div className="diff-viewer">
      <div className="diff-viewer__toolbar actions" role="toolbar" aria-label="Diff view">
        <span className="segmented" role="radiogroup" aria-label="Layout">
          {(["unified", "split"] as const).map((m) => (
            <label key={m} className="check">
              <input
                type="radio"
                name="diff-mode"
                value={m}
                checked={mode === m}
                onChange={() => {
                  setMode(m);
                }}
              />
              {m === "unified" ? "Unified" : "Split"}
            </label>
          ))}
        </span>
        <label className="check">
          <input
            type="checkbox"
            checked={newOnly}
            onChange={(e) => {
              setNewOnly(e.target.checked);
            }}
          />
          New lines only
        </label>
        <button
          type="button"
          className="button button--small"
          onClick={() => {
            setOpen(new Set(files.map((f) => f.path)));
          }}
        >
          Expand all
        </button>
        <button
          type="button"
          className="button button--small"
          onClick={() => {
            setOpen(new Set());
          }}
        >
          Collapse all
        </button>
      </div>
      <ul className="diff-files" aria-label="Changed files">
        {files.map((file) => (
          <DiffFile
            key={file.path}
            runId={runId}
            file={file}
            open={open.has(file.path)}
            onToggle={() => {
              toggle(file.path);
            }}
            mode={mode}
            newOnly={newOnly}
          />
        ))}
      </ul>
    </div>
  );
}
