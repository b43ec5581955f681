/**
 * Owns a run's LogModel for the page: opens on the tail of the log (not the whole run), follows
 * the live stream from there, fills placeholders the viewer reports as visible with windows
 * fetched by seq (`before=` when the window ends at loaded lines, else `after=`), refetches any gap
 * the stream skipped, and reveals a seq (loading its window first) for search and permalinks.
 * Renders happen through `version`, bumped at most once per stream batch.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import type { Run } from "../../api/types";
import { runKeys } from "../runs";
import { fetchAfter, fetchBefore, liveKeys, WINDOW } from "./api";
import { LogModel } from "./logModel";
import { followRun, type FollowState } from "./runStream";

/** What the page's test hook reads: every seq held and every seq the rows stand for. */
interface LiveHook {
  storedSeqs: () => number[];
  rowSeqs: () => number[];
}

declare global {
  interface Window {
    __mergeloomLive?: LiveHook;
  }
}

export interface LiveLog {
  model: LogModel;
  version: number;
  stream: FollowState;
  /** False until the first page of events arrived. */
  ready: boolean;
  error: unknown;
  /** Called with the placeholder seqs the viewer shows, to load them. */
  loadSeqs: (from: number, to: number) => void;
  /** Loads and opens whatever holds `seq`; answers whether it exists. */
  reveal: (seq: number) => Promise<boolean>;
  /** Re-renders after a change made directly on the model (filters, toggles). */
  commit: () => void;
}

export function useLiveLog(run: Run, jobId: string): LiveLog {
  const queryClient = useQueryClient();
  const [model] = useState(() => new LogModel());
  const [version, setVersion] = useState(0);
  const [stream, setStream] = useState<FollowState>("connecting");
  const [ready, setReady] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const inFlight = useRef(new Set<string>());
  const runId = run.id;

  const commit = useCallback(() => {
    setVersion(model.version);
  }, [model]);

  const load = useCallback(
    async (key: string, request: () => Promise<{ items: Parameters<LogModel["ingest"]>[0] }>) => {
      if (inFlight.current.has(key)) return;
      inFlight.current.add(key);
      try {
        const page = await request();
        model.ingest(page.items);
        commit();
      } catch (err) {
        setError(err);
      } finally {
        inFlight.current.delete(key);
      }
    },
    [model, commit],
  );

  const loadSeqs = useCallback(
    (from: number, to: number) => {
      // A window that ends right above loaded lines is read backwards (scrolling up).
      if (model.store.has(to + 1) && !model.store.has(from - 1)) {
        const before = to + 1;
        void load(`b${before}`, () => fetchBefore(runId, before, Math.min(WINDOW, Math.max(200, to - from + 1))));
      } else {
        const after = from - 1;
        void load(`a${after}`, () => fetchAfter(runId, after, Math.min(WINDOW, Math.max(200, to - from + 1))));
      }
    },
    [model, runId, load],
  );

  const reveal = useCallback(
    async (seq: number) => {
      if (!model.store.has(seq)) {
        try {
          const page = await fetchAfter(runId, Math.max(0, seq - WINDOW / 2), WINDOW);
          model.ingest(page.items);
        } catch (err) {
          setError(err);
          return false;
        }
      }
      if (!model.store.has(seq)) return false;
      model.reveal(seq);
      commit();
      return true;
    },
    [model, runId, commit],
  );

  // Stages from a refetched run re-section the model as part of this render (no extra render).
  const [stagesSeen, setStagesSeen] = useState<Run["stages"] | "none">("none");
  if (run.stages !== stagesSeen) {
    setStagesSeen(run.stages);
    model.setStages(run.stages ?? []);
  }

  // Open on the tail, then follow from its end. Runs once per run (the page keys this by run id).
  const lastSeqAtOpen = useRef(run.last_event_seq);
  useEffect(() => {
    let stop: (() => void) | null = null;
    let cancelled = false;
    const start = async () => {
      const last = lastSeqAtOpen.current;
      if (last > 0) {
        try {
          model.ingest((await fetchBefore(runId, last + 1, WINDOW)).items);
        } catch (err) {
          setError(err);
        }
      }
      if (cancelled) return;
      setReady(true);
      commit();
      let cursor = model.store.maxSeq();
      stop = followRun({
        runId,
        cursor: () => cursor,
        onStateChange: setStream,
        onEvents: (events) => {
          const merge = model.ingestLive(cursor, events);
          cursor = merge.cursor;
          for (const gap of merge.gaps) loadSeqs(gap.from, Math.min(gap.to, gap.from + WINDOW - 1));
          commit();
        },
        onEnd: () => {
          void queryClient.invalidateQueries({ queryKey: runKeys.detail(runId), exact: true });
          void queryClient.invalidateQueries({ queryKey: liveKeys.job(jobId) });
        },
      });
    };
    void start();
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [model, runId, jobId, commit, loadSeqs, queryClient]);

  useEffect(() => {
    window.__mergeloomLive = { storedSeqs: () => model.store.seqs(), rowSeqs: () => model.rowSeqs() };
    return () => {
      delete window.__mergeloomLive;
    };
  }, [model]);

  return { model, version, stream, ready, error, loadSeqs, reveal, commit };
}
