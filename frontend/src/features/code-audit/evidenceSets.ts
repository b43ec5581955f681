/**
 * The Runs section's grouping: evidence sets (one per run) grouped by ticket, the ticket whose
 * newest run is newest first, and each ticket's runs newest first.
 */
import { parseTimestamp } from "../../lib/format";
import type { EvidenceSet } from "../../api/types";

export interface TicketGroup {
  ticketKey: string;
  sets: EvidenceSet[];
  /** Lines all the ticket's runs added. */
  lines: number;
}

const newest = (a: EvidenceSet, b: EvidenceSet) => (parseTimestamp(b.created_at) ?? 0) - (parseTimestamp(a.created_at) ?? 0);

export function groupByTicket(sets: readonly EvidenceSet[]): TicketGroup[] {
  const groups = new Map<string, TicketGroup>();
  for (const set of [...sets].sort(newest)) {
    let group = groups.get(set.ticket_key);
    if (!group) {
      group = { ticketKey: set.ticket_key, sets: [], lines: 0 };
      groups.set(set.ticket_key, group);
    }
    group.sets.push(set);
    group.lines += set.lines;
  }
  return [...groups.values()];
}
