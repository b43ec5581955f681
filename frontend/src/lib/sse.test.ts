/** Unit tests for the reconnecting EventSource: dispatch by event name, backoff after errors, close. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { connectEventStream, type StreamState } from "./sse";

class FakeSource {
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  readonly listeners = new Map<string, (event: MessageEvent<string>) => void>();
  addEventListener(name: string, listener: (event: MessageEvent<string>) => void) {
    this.listeners.set(name, listener);
  }
  close() {
    this.closed = true;
  }
  emit(name: string, data: string) {
    this.listeners.get(name)?.({ data } as MessageEvent<string>);
  }
}

describe("connectEventStream", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("dispatches events, reconnects after an error with backoff, and closes for good", () => {
    const sources: FakeSource[] = [];
    const states: StreamState[] = [];
    const received: string[] = [];
    const close = connectEventStream({
      url: "/api/v1/stream",
      handlers: { "run.created": (d) => received.push(d) },
      onStateChange: (s) => states.push(s),
      createSource: () => {
        const source = new FakeSource();
        sources.push(source);
        return source as unknown as EventSource;
      },
    });
    expect(sources).toHaveLength(1);
    sources[0]?.onopen?.();
    sources[0]?.emit("run.created", "a");
    expect(received).toEqual(["a"]);

    sources[0]?.onerror?.();
    expect(sources[0]?.closed).toBe(true);
    expect(sources).toHaveLength(1);
    vi.advanceTimersByTime(600);
    expect(sources).toHaveLength(2);
    sources[1]?.emit("run.created", "b");
    expect(received).toEqual(["a", "b"]);

    close();
    expect(sources[1]?.closed).toBe(true);
    sources[1]?.onerror?.();
    vi.advanceTimersByTime(60_000);
    expect(sources).toHaveLength(2);
    expect(states).toEqual(["connecting", "open", "reconnecting", "reconnecting", "closed"]);
  });
});
