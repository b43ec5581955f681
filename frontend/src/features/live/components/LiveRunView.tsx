/**
 * One run's live log: toolbar, search, the windowed viewer, "jump to live" while paused, and the
 * outcome banner at the end. Follow mode starts on (the view opens at the tail) unless the URL
 * names a line (`#seq-N`), which is loaded, opened and highlighted instead. Once the retention
 * policy removed the run's events there is nothing to show or follow: a notice replaces the
 * viewer and no event stream is opened.
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import { useLocation } from "react-router";
import type { Run } from "../../../api/types";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { parseTimestamp } from "../../../lib/format";
import { EventsNotRetained } from "../../settings";
import type { Section } from "../sections";
import { useFilters } from "../useFilters";
import { useLiveLog } from "../useLiveLog";
import { useLogSearch } from "../useLogSearch";
import { LogToolbar } from "./LogToolbar";
import { LogViewer, type JumpRequest } from "./LogViewer";
import type { RowContext, TimeMode } from "./LogRow";
import { OutcomeBanner } from "./OutcomeBanner";
import { SearchBar } from "./SearchBar";

function seqFromHash(hash: string): number | null {
  const match = /^#seq-(\d+)$/.exec(hash);
  return match?.[1] ? Number(match[1]) : null;
}

function sameSet<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

export function LiveRunView({ run, jobId }: { run: Run; jobId: string }) {
  if (!run.retention.events_retained) {
    return (
      <div className="live-run">
        <EventsNotRetained />
        <OutcomeBanner run={run} />
      </div>
    );
  }
  return <RetainedRunView run={run} jobId={jobId} />;
}

function RetainedRunView({ run, jobId }: { run: Run; jobId: string }) {
  const log = useLiveLog(run, jobId);
  const { model, version, commit, reveal, ready } = log;
  const [show, toggleFilter] = useFilters();
  const search = useLogSearch(run.id);
  const target = seqFromHash(useLocation().hash);
  const [following, setFollowing] = useState(target === null);
  const [pausedAt, setPausedAt] = useState(0);
  const [jump, setJump] = useState<JumpRequest | null>(null);
  const [timeMode, setTimeMode] = useState<TimeMode>("absolute");

  useEffect(() => {
    if (sameSet(model.filters, show)) return;
    model.setFilters(show);
    commit();
  }, [model, show, commit]);

  const goTo = useCallback(
    (seq: number) => {
      void reveal(seq).then((found) => {
        setFollowing(false);
        if (found) setJump({ seq, nonce: Date.now() });
      });
    },
    [reveal],
  );

  useEffect(() => {
    if (target !== null && ready) goTo(target);
  }, [target, ready, goTo]);

  const onFollowingChange = useCallback(
    (next: boolean) => {
      if (!next) setPausedAt(model.received);
      setFollowing(next);
    },
    [model],
  );

  const sectionList = model.sections;
  const sections = useMemo(() => new Map<string, Section>(sectionList.map((s) => [s.key, s])), [sectionList]);
  const ctx = useMemo<RowContext>(() => {
    return {
      timeMode,
      origin: parseTimestamp(run.started_at) ?? parseTimestamp(run.created_at),
      sections,
      onToggleSection: (key) => {
        model.toggleSection(key);
        commit();
      },
      onToggleCommand: (id) => {
        model.toggleCommand(id);
        commit();
      },
    };
  }, [model, sections, timeMode, run.started_at, run.created_at, commit]);

  const newLines = following ? 0 : Math.max(0, model.received - pausedAt);

  return (
    <div className="live-run">
      <LogToolbar
        runId={run.id}
        show={show}
        onToggleFilter={toggleFilter}
        onAllSections={(open) => {
          model.setAllSections(open);
          commit();
        }}
        timeMode={timeMode}
        onTimeMode={setTimeMode}
        stream={log.stream}
        eventsRetained={run.retention.events_retained}
      />
      <SearchBar
        search={search}
        onStep={(direction) => {
          const seq = search.step(direction);
          if (seq !== null) goTo(seq);
        }}
      />
      {log.error ? <ErrorNotice error={log.error} title="Could not load the log" /> : null}
      <div className="live-log">
        <LogViewer
          model={model}
          version={version}
          ctx={ctx}
          following={following}
          onFollowingChange={onFollowingChange}
          jump={jump}
          highlight={target}
          matches={search.matches}
          currentMatch={search.current}
          onPlaceholders={log.loadSeqs}
        />
        {!following ? (
          <button
            type="button"
            className="button button--primary live-log__jump"
            onClick={() => {
              setFollowing(true);
            }}
          >
            Jump to live{newLines > 0 ? ` (${newLines} new)` : ""}
          </button>
        ) : null}
      </div>
      <OutcomeBanner run={run} />
    </div>
  );
}
