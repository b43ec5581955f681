/**
 * What the benchmarks read in the page, installed before any page script runs: every long task
 * (PerformanceObserver "longtask", buffered, with its start time so phases can be told apart), the
 * first frame showing a row with `data-seq` and the first showing a loaded text line (timed in the
 * page, from navigation start), and the JS heap (`performance.memory` with
 * `--enable-precise-memory-info`, and CDP `Runtime.getHeapUsage`).
 */
import type { Page } from "@playwright/test";

export interface Probe {
  /** [startTime, duration] of every long task so far. */
  tasks: [number, number][];
  firstRow: number | null;
  firstLine: number | null;
}

type ProbeWindow = Window & { __bench: Probe; performance: Performance & { memory?: { usedJSHeapSize: number } } };

export async function installProbe(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as ProbeWindow;
    const probe: Probe = { tasks: [], firstRow: null, firstLine: null };
    w.__bench = probe;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) probe.tasks.push([entry.startTime, entry.duration]);
    }).observe({ type: "longtask", buffered: true });
    // A row is "rendered" in the frame after it enters the DOM: timed at that frame's rAF.
    const seen = () => {
      if (probe.firstRow === null && document.querySelector(".log-row[data-seq]")) {
        probe.firstRow = -1;
        requestAnimationFrame(() => {
          probe.firstRow = performance.now();
          performance.mark("bench:first-row");
        });
      }
      if (probe.firstLine === null && document.querySelector(".log-row--line[data-seq]")) {
        probe.firstLine = -1;
        requestAnimationFrame(() => {
          probe.firstLine = performance.now();
          performance.mark("bench:first-line");
        });
      }
      if (probe.firstRow !== null && probe.firstLine !== null) observer.disconnect();
    };
    const observer = new MutationObserver(seen);
    observer.observe(document, { childList: true, subtree: true });
  });
}

/** performance.now() in the page. */
export function now(page: Page): Promise<number> {
  return page.evaluate(() => performance.now());
}

export function readProbe(page: Page): Promise<Probe> {
  return page.evaluate(() => (window as unknown as ProbeWindow).__bench);
}

export interface TaskStats {
  count: number;
  longest: number;
  total: number;
}

/** Long tasks that started within [from, to] (page time). */
export async function tasksBetween(page: Page, from: number, to: number): Promise<TaskStats> {
  const { tasks } = await readProbe(page);
  const inside = tasks.filter(([start]) => start >= from && start <= to);
  return {
    count: inside.length,
    longest: inside.reduce((max, [, d]) => Math.max(max, d), 0),
    total: inside.reduce((sum, [, d]) => sum + d, 0),
  };
}

export interface Heap {
  /** performance.memory.usedJSHeapSize, bytes. */
  used: number;
  /** CDP Runtime.getHeapUsage usedSize, bytes. */
  cdpUsed: number;
}

export async function heap(page: Page, collectFirst = false): Promise<Heap> {
  const cdp = await page.context().newCDPSession(page);
  try {
    if (collectFirst) await cdp.send("HeapProfiler.collectGarbage");
    const usage = await cdp.send("Runtime.getHeapUsage");
    const used = await page.evaluate(() => (window as unknown as ProbeWindow).performance.memory?.usedJSHeapSize ?? 0);
    return { used, cdpUsed: usage.usedSize };
  } finally {
    await cdp.detach();
  }
}

/** Resolves after `frames` animation frames in the page. */
export function frames(page: Page, count = 2): Promise<void> {
  return page.evaluate(
    (n) =>
      new Promise<void>((done) => {
        let left = n;
        const tick = () => {
          left -= 1;
          if (left <= 0) done();
          else requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      }),
    count,
  );
}
