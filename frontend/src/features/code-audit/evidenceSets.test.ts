import { describe, expect, it } from "vitest";
import { groupByTicket } from "./evidenceSets";
import type { EvidenceSet } from "../../api/types";

const counts = { current: 0, moved: 0, superseded: 0, deleted: 0, unknown: 0, pending: 0, waiting_for_workspace: 0 };

function set(id: string, ticket: string, created: string, lines: number): EvidenceSet {
  return {
    evidence_id: id,
    run_id: id,
    external: false,
    ticket_key: ticket,
    provider: "command",
    model: null,
    origin_commit: "abc",
    created_at: created,
    lines,
    status_counts: counts,
    files: [],
  };
}

describe("groupByTicket", () => {
  it("groups runs by ticket, newest ticket and newest run first", () => {
    const groups = groupByTicket([
      set("a1", "A", "2026-11-01T00:00:00Z", 3),
      set("b1", "B", "2026-11-02T00:00:00Z", 5),
      set("a2", "A", "2026-11-03T00:00:00Z", 4),
    ]);
    expect(groups.map((g) => [g.ticketKey, g.sets.map((s) => s.evidence_id), g.lines])).toEqual([
      ["A", ["a2", "a1"], 7],
      ["B", ["b1"], 5],
    ]);
  });
});
