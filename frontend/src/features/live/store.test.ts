import { describe, expect, it } from "vitest";
import { EventStore, mergeLive } from "./store";
import { ev, logs } from "./testEvents";

describe("EventStore", () => {
  it("tracks loaded intervals and what is missing", () => {
    const store = new EventStore();
    store.add(logs(10, 20));
    store.add(logs(30, 40));
    store.add([ev(21), ev(25)]);
    expect(store.loadedRanges()).toEqual([
      { from: 10, to: 21 },
      { from: 25, to: 25 },
      { from: 30, to: 40 },
    ]);
    expect(store.missing(1, 45)).toEqual([
      { from: 1, to: 9 },
      { from: 22, to: 24 },
      { from: 26, to: 29 },
      { from: 41, to: 45 },
    ]);
    store.add(logs(22, 29));
    expect(store.loadedRanges()).toEqual([{ from: 10, to: 40 }]);
    expect([...store.between(38, 50)].map((e) => e.seq)).toEqual([38, 39, 40]);
  });

  it("ignores seqs it already holds, in any order", () => {
    const store = new EventStore();
    expect(store.add([ev(3), ev(1), ev(2)]).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(store.add([ev(2), ev(3), ev(4)]).map((e) => e.seq)).toEqual([4]);
    expect(store.seqs()).toEqual([1, 2, 3, 4]);
  });
});

describe("mergeLive", () => {
  it("appends replayed and live events once each", () => {
    const store = new EventStore();
    store.add(logs(1, 100)); // the tail replayed by a page fetch
    let merge = mergeLive(store, 100, logs(101, 105));
    expect(merge).toMatchObject({ duplicates: 0, cursor: 105, gaps: [] });
    // After a reconnect the stream resends some events: they are ignored.
    merge = mergeLive(store, 105, [...logs(103, 105), ...logs(106, 108)]);
    expect(merge.added.map((e) => e.seq)).toEqual([106, 107, 108]);
    expect(merge.duplicates).toBe(3);
    expect(merge.cursor).toBe(108);
    expect(store.seqs()).toEqual(logs(1, 108).map((e) => e.seq));
  });

  it("reports a skipped range as a gap, and closes it when fetched", () => {
    const store = new EventStore();
    store.add(logs(1, 10));
    let merge = mergeLive(store, 10, [ev(14), ev(15)]);
    expect(merge.cursor).toBe(10);
    expect(merge.gaps).toEqual([{ from: 11, to: 13 }]);
    merge = mergeLive(store, merge.cursor, logs(11, 13));
    expect(merge).toMatchObject({ cursor: 15, gaps: [] });
  });

  it("accepts out-of-order events inside one batch", () => {
    const store = new EventStore();
    const merge = mergeLive(store, 0, [ev(2), ev(1), ev(3), ev(2)]);
    expect(merge.added.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(merge).toMatchObject({ duplicates: 1, cursor: 3, gaps: [] });
  });
});
