/**
 * Collects items pushed in a burst and hands them over once per animation frame, so a flood of
 * stream events costs one cache update and one render instead of one each. A timer backs up the
 * frame request because background tabs do not run animation frames.
 */

export interface Scheduler {
  request: (callback: () => void) => () => void;
}

/** requestAnimationFrame, raced with a 250 ms timer for hidden tabs. */
export const frameScheduler: Scheduler = {
  request(callback) {
    let done = false;
    const run = () => {
      if (done) return;
      done = true;
      cancelAnimationFrame(frame);
      clearTimeout(timer);
      callback();
    };
    const frame = requestAnimationFrame(run);
    const timer = setTimeout(run, 250);
    return () => {
      done = true;
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  },
};

export interface FrameBatcher<T> {
  push: (item: T) => void;
  /** Drops anything pending and stops scheduling. */
  dispose: () => void;
}

export function createFrameBatcher<T>(flush: (items: T[]) => void, scheduler: Scheduler = frameScheduler): FrameBatcher<T> {
  let pending: T[] = [];
  let cancel: (() => void) | null = null;
  let disposed = false;

  const run = () => {
    cancel = null;
    const items = pending;
    pending = [];
    if (items.length > 0) flush(items);
  };

  return {
    push(item) {
      if (disposed) return;
      pending.push(item);
      cancel ??= scheduler.request(run);
    },
    dispose() {
      disposed = true;
      pending = [];
      cancel?.();
      cancel = null;
    },
  };
}
