/** Unit tests for writing stream events into a real QueryClient's runs caches. */
import { QueryClient } from "@tanstack/react-query";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Run } from "../../api/types";
import type { Scheduler } from "../../lib/frameBatcher";
import { makeRun, page } from "../../test/fixtures";
import { runKeys } from "./api";
import type { RunPages } from "./liveCache";
import { createRunEventSink } from "./liveUpdates";

const t = (s: number) => `2026-11-24T12:00:${String(s).padStart(2, "0")}.000Z`;

function setup() {
  const client = new QueryClient();
  const frames: (() => void)[] = [];
  const scheduler: Scheduler = {
    request(cb) {
      frames.push(cb);
      return () => undefined;
    },
  };
  const sink = createRunEventSink(client, { scheduler, detailRefetchMs: 500 });
  return { client, sink, flush: () => {
      for (const cb of frames.splice(0)) cb();
    }, };
}

describe("createRunEventSink", () => {
  it("updates every cached list once per frame, honouring each list's filters", () => {
    const { client, sink, flush } = setup();
    const initial = (): RunPages => ({ pages: [page([makeRun({ id: "r1", created_at: t(1) })])], pageParams: [null] });
    client.setQueryData(runKeys.list({}), initial());
    client.setQueryData(runKeys.list({ status: ["queued"] }), initial());

    sink.push(JSON.stringify(makeRun({ id: "r2", created_at: t(2) })));
    sink.push(JSON.stringify(makeRun({ id: "r1", created_at: t(1), status: "cancelled" })));
    sink.push("garbage");
    expect(client.getQueryData<RunPages>(runKeys.list({}))?.pages[0]?.items).toHaveLength(1);
    flush();

    const all = client.getQueryData<RunPages>(runKeys.list({}))?.pages[0]?.items ?? [];
    expect(all.map((r) => [r.id, r.status])).toEqual([
      ["r2", "queued"],
      ["r1", "cancelled"],
    ]);
    const queued = client.getQueryData<RunPages>(runKeys.list({ status: ["queued"] }))?.pages[0]?.items ?? [];
    expect(queued.map((r) => r.id)).toEqual(["r2"]);
  });

  it("merges into a cached detail but keeps its history and stages", () => {
    const { client, sink, flush } = setup();
    const history = [{ status: "queued", stage: null, at: t(1), note: null }];
    client.setQueryData<Run>(runKeys.detail("r1"), { ...makeRun({ id: "r1", created_at: t(1) }), state_history: history, stages: [] });
    sink.push(JSON.stringify(makeRun({ id: "r1", created_at: t(1), status: "running", stage: "setup" })));
    flush();
    const detail = client.getQueryData<Run>(runKeys.detail("r1"));
    expect(detail?.status).toBe("running");
    expect(detail?.stage).toBe("setup");
    expect(detail?.state_history).toEqual(history);
  });

  describe("detail refetch", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("refetches an open detail at most once per 500 ms however many updates arrive", () => {
      vi.useFakeTimers();
      const { client, sink, flush } = setup();
      client.setQueryData<Run>(runKeys.detail("r1"), { ...makeRun({ id: "r1", created_at: t(1) }), stages: [] });
      const invalidate = vi.spyOn(client, "invalidateQueries").mockResolvedValue(undefined);

      for (let i = 0; i < 5; i++) {
        sink.push(JSON.stringify(makeRun({ id: "r1", created_at: t(1), status: "running", event_count: i })));
        flush();
      }
      sink.push(JSON.stringify(makeRun({ id: "r2", created_at: t(2) })));
      flush();
      expect(invalidate).not.toHaveBeenCalled();
      vi.advanceTimersByTime(499);
      expect(invalidate).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(invalidate).toHaveBeenCalledTimes(1);
      expect(invalidate).toHaveBeenCalledWith({ queryKey: runKeys.detail("r1"), exact: true });

      sink.push(JSON.stringify(makeRun({ id: "r1", created_at: t(1), status: "completed" })));
      flush();
      vi.advanceTimersByTime(500);
      expect(invalidate).toHaveBeenCalledTimes(2);
      sink.dispose();
    });
  });
});
