import { describe, expect, it, vi } from "vitest";
import type { Event } from "../../api/types";
import { followRun } from "./runStream";

/** A scripted EventSource: the test fires its open/error/messages. */
class FakeSource {
  static created: FakeSource[] = [];
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  private readonly listeners = new Map<string, ((e: MessageEvent<string>) => void)[]>();
  constructor(readonly url: string) {
    FakeSource.created.push(this);
  }
  addEventListener(name: string, listener: (e: MessageEvent<string>) => void) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
  }
  emit(name: string, data: unknown) {
    for (const l of this.listeners.get(name) ?? []) l({ data: JSON.stringify(data) } as MessageEvent<string>);
  }
  close() {
    this.closed = true;
  }
}

describe("followRun", () => {
  it("batches events and resumes after the cursor on a reconnect", () => {
    vi.useFakeTimers();
    FakeSource.created = [];
    const batches: number[][] = [];
    let cursor = 10;
    const stop = followRun({
      runId: "r1",
      cursor: () => cursor,
      onEvents: (events: Event[]) => {
        batches.push(events.map((e) => e.seq));
        cursor = Math.max(cursor, ...events.map((e) => e.seq));
      },
      createSource: (url) => new FakeSource(url) as unknown as EventSource,
    });
    const first = FakeSource.created[0];
    expect(first?.url).toBe("/api/v1/runs/r1/events/stream?after=10");
    first?.emit("run-event", { seq: 11, kind: "log", ts: "" });
    first?.emit("run-event", { seq: 12, kind: "log", ts: "" });
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(60);
    expect(batches).toEqual([[11, 12]]);
    first?.emit("run-event", { seq: 13, kind: "log", ts: "" });
    first?.onerror?.();
    expect(first?.closed).toBe(true);
    vi.advanceTimersByTime(1000);
    // The buffered event was handed over before resuming, so the resume starts after it.
    expect(batches).toEqual([[11, 12], [13]]);
    expect(FakeSource.created[1]?.url).toBe("/api/v1/runs/r1/events/stream?after=13");
    stop();
    vi.useRealTimers();
  });
});
