/** Unit tests for applying `executor.updated` messages to the cached executor list. */
import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import type { Executor, ExecutorList } from "../../api/types";
import { applyExecutorEvent, executorKeys, parseExecutorEvent, upsertExecutor } from "./api";

const executor = (id: string, status = "idle"): Executor => ({
  id,
  name: `vm-${id}`,
  kind: "local",
  status,
  current_run_id: null,
  last_heartbeat_at: "2026-11-24T12:00:00.000Z",
  version: "0.1.0",
  host: "vm",
});

describe("upsertExecutor", () => {
  it("replaces by id in place and appends new ones", () => {
    const list: ExecutorList = { items: [executor("1"), executor("2")], next_cursor: null };
    const busy = { ...executor("2", "busy"), current_run_id: "run-1" };
    expect(upsertExecutor(list, busy).items).toEqual([executor("1"), busy]);
    expect(upsertExecutor(list, executor("3")).items.map((e) => e.id)).toEqual(["1", "2", "3"]);
  });
});

describe("applyExecutorEvent", () => {
  it("updates a cached list and ignores garbage or an uncached list", () => {
    const client = new QueryClient();
    applyExecutorEvent(client, JSON.stringify(executor("1")));
    expect(client.getQueryData(executorKeys.list())).toBeUndefined();
    client.setQueryData<ExecutorList>(executorKeys.list(), { items: [executor("1")], next_cursor: null });
    applyExecutorEvent(client, "not json");
    applyExecutorEvent(client, JSON.stringify(executor("1", "busy")));
    expect(client.getQueryData<ExecutorList>(executorKeys.list())?.items[0]?.status).toBe("busy");
    expect(parseExecutorEvent("{}")).toBeNull();
  });
});
