/**
 * The files with attributed lines and their counts by status. The status filter and the path
 * search are the API's own parameters and live in the URL; a row opens the file view (`?file=`).
 * Long lists render in pages of 200 rows.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { DebouncedInput } from "../../../components/DebouncedInput";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { formatCount } from "../../audit";
import { filesQuery } from "../api";
import { repoViewToSearchParams, type RepoView } from "../filters";
import { useRovingRows } from "../../../lib/useRovingRows";
import type { RepoViewPatch } from "../hooks/useRepoView";
import { isLineStatus, LINE_STATUSES, STATUS_LABEL } from "../status";
import type { CodeFile } from "../../../api/types";

const PAGE = 200;

interface Props {
  repoId: string;
  view: RepoView;
  onChange: (patch: RepoViewPatch, options?: { push?: boolean }) => void;
}

function FileRow({ file, selected, tabbable, href }: { file: CodeFile; selected: boolean; tabbable: boolean; href: string }) {
  return (
    <tr
      data-key={file.path}
      data-path={file.path}
      data-testid="code-file-row"
      tabIndex={tabbable ? 0 : -1}
      className={`row-nav${selected ? " is-selected" : ""}`}
      aria-current={selected ? "true" : undefined}
    >
      <td className="mono cell-path">
        <Link to={href} tabIndex={-1}>
          {file.path}
        </Link>
      </td>
      <td className="num" data-col="touched">
        {formatCount(file.touched_lines)}
      </td>
      {LINE_STATUSES.map((status) => (
        <td key={status} className={`num code-cell-count${file.counts[status] === 0 ? " muted" : ""}`} data-col={status}>
          {formatCount(file.counts[status])}
        </td>
      ))}
    </tr>
  );
}

export function FilesSection({ repoId, view, onChange }: Props) {
  const [params] = useSearchParams();
  const [shown, setShown] = useState(PAGE);
  const { data, isPending, isError, error, isPlaceholderData } = useQuery({
    ...filesQuery(repoId, { status: view.status, q: view.q }),
    placeholderData: keepPreviousData,
  });
  const hrefFor = useCallback(
    (path: string) => `?${repoViewToSearchParams({ ...view, file: path, line: undefined }, params).toString()}`,
    [params, view],
  );
  const items = data?.items ?? [];
  const visible = items.slice(0, shown);
  const open = useCallback(
    (path: string) => {
      onChange({ file: path, line: undefined }, { push: true });
    },
    [onChange],
  );
  const { tabbable, onFocus, onKeyDown } = useRovingRows(
    visible.map((f) => f.path),
    open,
  );
  const filtered = view.status !== undefined || view.q !== undefined;

  return (
    <section className="panel code-section" id="code-files" aria-labelledby="code-files-title">
      <h2 id="code-files-title">Files</h2>
      <form
        className="filters__row"
        role="search"
        aria-label="Filter files"
        onSubmit={(e) => {
          e.preventDefault();
        }}
      >
        <label className="field">
          <span>Status</span>
          <select
            aria-label="Status"
            value={view.status ?? ""}
            onChange={(e) => {
              const value = e.target.value;
              onChange({ status: isLineStatus(value) ? value : undefined });
            }}
          >
            <option value="">any</option>
            {LINE_STATUSES.map((status) => (
              <option key={status} value={status}>
                {STATUS_LABEL[status]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Path</span>
          <DebouncedInput
            type="search"
            aria-label="Search paths"
            placeholder="part of a path, e.g. src/"
            value={view.q ?? ""}
            onCommit={(value) => {
              onChange({ q: value });
            }}
          />
        </label>
        {filtered ? (
          <button
            type="button"
            className="button button--small"
            onClick={() => {
              onChange({ status: undefined, q: undefined });
            }}
          >
            Clear filters
          </button>
        ) : null}
      </form>
      {isPending ? (
        <Loading label="Loading files…" />
      ) : isError ? (
        <ErrorNotice error={error} title="Could not load the files" />
      ) : items.length === 0 ? (
        <p className="empty">{filtered ? "No file matches these filters." : "No file has attributed lines."}</p>
      ) : (
        <>
          <div className={`table-scroll${isPlaceholderData ? " is-stale" : ""}`}>
            <table className="table table--compact" aria-label="Files" aria-busy={isPlaceholderData}>
              <thead>
                <tr>
                  <th scope="col">Path</th>
                  <th scope="col" className="num" title="Lines runs added to this file (history)">
                    Touched
                  </th>
                  {LINE_STATUSES.map((status) => (
                    <th key={status} scope="col" className="num">
                      <span className={`code-swatch code-swatch--${status}`} aria-hidden="true" /> {STATUS_LABEL[status]}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody onKeyDown={onKeyDown} onFocus={onFocus}>
                {visible.map((file) => (
                  <FileRow
                    key={file.path}
                    file={file}
                    selected={file.path === view.file}
                    tabbable={file.path === tabbable}
                    href={hrefFor(file.path)}
                  />
                ))}
              </tbody>
            </table>
          </div>
          <p className="muted">
            {items.length > visible.length ? (
              <>
                Showing {formatCount(visible.length)} of {formatCount(items.length)} files.{" "}
                <button
                  type="button"
                  className="button button--small"
                  onClick={() => {
                    setShown((n) => n + PAGE);
                  }}
                >
                  Show more
                </button>
              </>
            ) : (
              `${formatCount(items.length)} file${items.length === 1 ? "" : "s"}.`
            )}
          </p>
        </>
      )}
    </section>
  );
}
