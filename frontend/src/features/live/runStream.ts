/**
 * Follows one run's event stream (`/runs/{id}/events/stream`). Events are parsed and handed over in
 * batches at most every `batchMs` (so a flood costs ~20 renders a second, not one per line). Any
 * error closes the source and a new one resumes with `?after=<cursor>` — the browser only sends
 * Last-Event-ID on its own reconnects, and it gives up for good on an HTTP error. The cursor comes
 * from the caller's store, so a resume asks for exactly what is not held yet. `end` closes for good.
 * The browser's offline/online events drop and resume the stream at once.
 */
import type { Event } from "../../api/types";
import { backoffDelay } from "../../lib/backoff";
import { createFrameBatcher, type Scheduler } from "../../lib/frameBatcher";
import { streamUrl } from "./api";

export type FollowState = "connecting" | "open" | "reconnecting" | "ended" | "closed";

export interface FollowOptions {
  runId: string;
  /** The seq everything up to which is held: where a (re)connection resumes. */
  cursor: () => number;
  onEvents: (events: Event[]) => void;
  onEnd?: (status: string | null) => void;
  onStateChange?: (state: FollowState) => void;
  batchMs?: number;
  createSource?: (url: string) => EventSource;
}

/** A scheduler that runs the callback after `ms` (not per frame): caps flushes at 1000/ms a second. */
export function intervalScheduler(ms: number): Scheduler {
  return {
    request(callback) {
      const timer = setTimeout(callback, ms);
      return () => {
        clearTimeout(timer);
      };
    },
  };
}

export function parseEvent(data: string): Event | null {
  try {
    const value: unknown = JSON.parse(data);
    if (typeof value === "object" && value !== null && typeof (value as { seq?: unknown }).seq === "number") {
      return value as Event;
    }
  } catch {
    // A malformed message is skipped; the seq check on the next one reports the gap.
  }
  return null;
}

function parseStatus(data: string): string | null {
  try {
    const value: unknown = JSON.parse(data);
    const status = typeof value === "object" && value !== null ? (value as { status?: unknown }).status : null;
    return typeof status === "string" ? status : null;
  } catch {
    return null;
  }
}

/** Starts following; answers a function that stops for good. */
export function followRun(options: FollowOptions): () => void {
  const create = options.createSource ?? ((url: string) => new EventSource(url, { withCredentials: true }));
  let pending: Event[] = [];
  const flush = () => {
    const items = pending;
    pending = [];
    if (items.length > 0) options.onEvents(items);
  };
  const batcher = createFrameBatcher<Event>(() => {
    flush();
  }, intervalScheduler(options.batchMs ?? 50));
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let attempt = 0;
  let stopped = false;
  const setState = (state: FollowState) => options.onStateChange?.(state);

  const stop = (state: FollowState) => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    batcher.dispose();
    source?.close();
    source = null;
    setState(state);
  };

  const open = () => {
    timer = null;
    if (stopped) return;
    // Hand over what is buffered first, so the cursor covers it.
    flush();
    setState(attempt === 0 ? "connecting" : "reconnecting");
    const current = create(streamUrl(options.runId, options.cursor()));
    source = current;
    current.onopen = () => {
      attempt = 0;
      setState("open");
    };
    current.onerror = () => {
      current.close();
      if (stopped || source !== current) return;
      source = null;
      setState("reconnecting");
      timer = setTimeout(open, backoffDelay(attempt, 250, 5000));
      attempt += 1;
    };
    current.addEventListener("run-event", (message: MessageEvent<string>) => {
      const event = parseEvent(message.data);
      if (!event) return;
      pending.push(event);
      batcher.push(event);
    });
    current.addEventListener("end", (message: MessageEvent<string>) => {
      flush();
      const status = parseStatus(message.data);
      stop("ended");
      options.onEnd?.(status);
    });
  };

  // Going offline drops the stream at once (an established connection can linger unnoticed), and
  // coming back resumes at once instead of waiting out the backoff.
  const onOffline = () => {
    if (stopped) return;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    source?.close();
    source = null;
    setState("reconnecting");
  };
  const onOnline = () => {
    if (stopped || source !== null) return;
    if (timer !== null) clearTimeout(timer);
    attempt = 0;
    open();
  };
  const target = typeof window === "undefined" ? null : window;
  target?.addEventListener("offline", onOffline);
  target?.addEventListener("online", onOnline);

  open();
  return () => {
    target?.removeEventListener("offline", onOffline);
    target?.removeEventListener("online", onOnline);
    if (!stopped) stop("closed");
  };
}
