/** Unit tests for the per-frame batcher: one flush per burst, nothing after dispose. */
import { describe, expect, it } from "vitest";
import { createFrameBatcher, type Scheduler } from "./frameBatcher";

function manualScheduler() {
  const queue: (() => void)[] = [];
  const scheduler: Scheduler = {
    request(callback) {
      queue.push(callback);
      return () => {
        queue.splice(queue.indexOf(callback), 1);
      };
    },
  };
  return { scheduler, queue, tick: () => {
      for (const cb of queue.splice(0)) cb();
    }, };
}

describe("createFrameBatcher", () => {
  it("flushes a burst once, in order", () => {
    const { scheduler, queue, tick } = manualScheduler();
    const flushes: number[][] = [];
    const batcher = createFrameBatcher<number>((items) => flushes.push(items), scheduler);
    for (let i = 0; i < 1000; i++) batcher.push(i);
    expect(queue).toHaveLength(1);
    tick();
    expect(flushes).toHaveLength(1);
    expect(flushes[0]).toHaveLength(1000);
    expect(flushes[0]?.[999]).toBe(999);
    batcher.push(1);
    tick();
    expect(flushes).toEqual([expect.any(Array), [1]]);
  });

  it("drops pending items on dispose", () => {
    const { scheduler, queue } = manualScheduler();
    const flushes: number[][] = [];
    const batcher = createFrameBatcher<number>((items) => flushes.push(items), scheduler);
    batcher.push(1);
    batcher.dispose();
    expect(queue).toHaveLength(0);
    batcher.push(2);
    expect(queue).toHaveLength(0);
    expect(flushes).toHaveLength(0);
  });
});
