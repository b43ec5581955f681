/**
 * The runs whose lines this repository's evidence holds (one evidence set per run), grouped by
 * ticket, each collapsible with its files; a file's diff (the Ticket Audit's stored diff of the
 * run) is fetched only when the file is opened. Runs executed elsewhere have no stored diff.
 */
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link } from "react-router";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { formatAbsolute, formatProvider } from "../../../lib/format";
import { FileDiffBody, formatCount, type DiffMode } from "../../audit";
import { evidenceSetsQuery } from "../api";
import { groupByTicket } from "../evidenceSets";
import { LINE_STATUSES, shortCommit, shortRunId, STATUS_LABEL } from "../status";
import type { EvidenceSet } from "../../../api/types";

/** Sets with up to this many files open all of them when expanded. */
const FILES_OPEN_BY_DEFAULT = 5;

interface DiffOptions {
  mode: DiffMode;
  newOnly: boolean;
}

function Toggle({ open }: { open: boolean }) {
  return (
    <span className="diff-file__chevron" aria-hidden="true">
      {open ? "▾" : "▸"}
    </span>
  );
}

function EvidenceFile({ set, path, lines, options }: { set: EvidenceSet; path: string; lines: number; options: DiffOptions }) {
  const [open, setOpen] = useState(set.files.length <= FILES_OPEN_BY_DEFAULT);
  return (
    <li className="diff-file" data-path={path}>
      <button
        type="button"
        className="diff-file__header"
        aria-expanded={open}
        onClick={() => {
          setOpen((o) => !o);
        }}
      >
        <Toggle open={open} />
        <span className="mono diff-file__path">{path}</span>
        <span className="diffstat diffstat--add">+{formatCount(lines)}</span>
      </button>
      {open ? (
        set.run_id && !set.external ? (
          <FileDiffBody runId={set.run_id} path={path} mode={options.mode} newOnly={options.newOnly} />
        ) : (
          <p className="muted">
            This run was executed elsewhere: its evidence was posted without a diff. Its lines are marked in the file view.
          </p>
        )
      ) : null}
    </li>
  );
}

function SetSummary({ set }: { set: EvidenceSet }) {
  return (
    <span className="code-run__counts">
      {LINE_STATUSES.filter((s) => set.status_counts[s] > 0).map((s) => (
        <span key={s} className="code-run__count" data-status={s}>
          <span className={`code-swatch code-swatch--${s}`} aria-hidden="true" /> {formatCount(set.status_counts[s])} {STATUS_LABEL[s]}
        </span>
      ))}
    </span>
  );
}

function EvidenceSetItem({ set, open, onToggle, options }: { set: EvidenceSet; open: boolean; onToggle: () => void; options: DiffOptions }) {
  return (
    <li className="code-run" data-evidence-id={set.evidence_id} data-run-id={set.run_id ?? ""} data-testid="code-run">
      <div className="code-run__head">
        <button type="button" className="code-run__toggle" aria-expanded={open} onClick={onToggle}>
          <Toggle open={open} />
          <span className="code-run__title">
            {set.run_id ? (
              <>
                run <code title={set.run_id}>{shortRunId(set.run_id)}</code>
              </>
            ) : (
              "run executed elsewhere"
            )}
            {set.external ? <span className="tag"> external</span> : null}
          </span>
          <span className="muted">{formatProvider({ kind: set.provider, model: set.model })}</span>
          <span className="muted" title={formatAbsolute(set.created_at)}>
            {set.created_at.slice(0, 16).replace("T", " ")}
          </span>
          <span className="diffstat diffstat--add">
            +{formatCount(set.lines)} line{set.lines === 1 ? "" : "s"} in {formatCount(set.files.length)} file{set.files.length === 1 ? "" : "s"}
          </span>
          <SetSummary set={set} />
        </button>
        <span className="code-run__links">
          <span className="muted">
            origin <code title={set.origin_commit}>{shortCommit(set.origin_commit)}</code>
          </span>
          {set.run_id && !set.external ? (
            <>
              <Link to={`/audit/${set.run_id}`}>Ticket Audit</Link>
              <Link to={`/runs/${set.run_id}`}>Run</Link>
            </>
          ) : null}
        </span>
      </div>
      {open ? (
        <ul className="diff-files" aria-label={`Files of run ${set.run_id ?? set.evidence_id}`}>
          {set.files.map((file) => (
            <EvidenceFile key={file.path} set={set} path={file.path} lines={file.lines} options={options} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

export function RunsSection({ repoId }: { repoId: string }) {
  const { data, isPending, isError, error } = useQuery(evidenceSetsQuery(repoId));
  const [mode, setMode] = useState<DiffMode>("unified");
  const [newOnly, setNewOnly] = useState(false);
  // Explicit toggles; untouched sets are open only when there is a single one.
  const [toggled, setToggled] = useState<ReadonlyMap<string, boolean>>(new Map());
  const items = useMemo(() => data?.items ?? [], [data]);
  const groups = useMemo(() => groupByTicket(items), [items]);
  const isOpen = (id: string) => toggled.get(id) ?? items.length === 1;
  const setAll = (open: boolean) => {
    setToggled(new Map(items.map((s) => [s.evidence_id, open])));
  };
  const options = { mode, newOnly };

  return (
    <section className="panel code-section" id="code-runs" aria-labelledby="code-runs-title">
      <h2 id="code-runs-title">Runs</h2>
      {isPending ? (
        <Loading label="Loading runs…" />
      ) : isError ? (
        <ErrorNotice error={error} title="Could not load the runs" />
      ) : items.length === 0 ? (
        <p className="muted">No run has evidence in this repository.</p>
      ) : (
        <>
          <div className="actions" role="toolbar" aria-label="Diff view">
            <span className="segmented" role="radiogroup" aria-label="Changes">
              {([false, true] as const).map((value) => (
                <label key={String(value)} className="check">
                  <input
                    type="radio"
                    name="code-diff-changes"
                    checked={newOnly === value}
                    onChange={() => {
                      setNewOnly(value);
                    }}
                  />
                  {value ? "New lines only" : "All changes"}
                </label>
              ))}
            </span>
            <span className="segmented" role="radiogroup" aria-label="Layout">
              {(["unified", "split"] as const).map((m) => (
                <label key={m} className="check">
                  <input
                    type="radio"
                    name="code-diff-layout"
                    checked={mode === m}
                    onChange={() => {
                      setMode(m);
                    }}
                  />
                  {m === "unified" ? "Unified" : "Split"}
                </label>
              ))}
            </span>
            <button
              type="button"
              className="button button--small"
              onClick={() => {
                setAll(true);
              }}
            >
              Expand all
            </button>
            <button
              type="button"
              className="button button--small"
              onClick={() => {
                setAll(false);
              }}
            >
              Collapse all
            </button>
          </div>
          {groups.map((group) => (
            <div key={group.ticketKey} className="code-ticket" data-ticket={group.ticketKey}>
              <h3>
                <span className="ticket-key">{group.ticketKey}</span>
                <span className="muted">
                  {group.sets.length} run{group.sets.length === 1 ? "" : "s"}, {formatCount(group.lines)} line{group.lines === 1 ? "" : "s"} added
                </span>
              </h3>
              <ul className="code-runs">
                {group.sets.map((set) => (
                  <EvidenceSetItem
                    key={set.evidence_id}
                    set={set}
                    open={isOpen(set.evidence_id)}
                    onToggle={() => {
                      setToggled((prev) => new Map(prev).set(set.evidence_id, !isOpen(set.evidence_id)));
                    }}
                    options={options}
                  />
                ))}
              </ul>
            </div>
          ))}
        </>
      )}
    </section>
  );
}
