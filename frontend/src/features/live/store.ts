/**
 * The events of one run that the page holds, keyed by seq. Seqs are dense per run (1, 2, 3, … with
 * no gaps), so what is loaded is a set of disjoint seq intervals, and what is missing between them
 * is known exactly. Replayed pages, windows fetched around a search hit and live stream events all
 * land here; a seq already held is ignored, so overlapping sources never duplicate a line.
 */
import type { Event } from "../../api/types";

/** An inclusive seq interval. */
export interface SeqRange {
  from: number;
  to: number;
}

export class EventStore {
  private readonly events = new Map<number, Event>();
  /** Loaded seqs as sorted, disjoint, non-adjacent intervals. */
  private readonly ranges: SeqRange[] = [];

  get size(): number {
    return this.events.size;
  }

  has(seq: number): boolean {
    return this.events.has(seq);
  }

  get(seq: number): Event | undefined {
    return this.events.get(seq);
  }

  /** The highest seq held, or 0. */
  maxSeq(): number {
    return this.ranges[this.ranges.length - 1]?.to ?? 0;
  }

  loadedRanges(): readonly SeqRange[] {
    return this.ranges;
  }

  /** Adds events; answers the ones that were new, in seq order. */
  add(events: readonly Event[]): Event[] {
    const added: Event[] = [];
    for (const event of events) {
      if (!Number.isInteger(event.seq) || event.seq < 1 || this.events.has(event.seq)) continue;
      this.events.set(event.seq, event);
      this.insertSeq(event.seq);
      added.push(event);
    }
    added.sort((a, b) => a.seq - b.seq);
    return added;
  }

  /** The end of the loaded interval that holds `seq` (so everything in seq..end is loaded), or null. */
  contiguousEnd(seq: number): number | null {
    const i = this.rangeIndex(seq);
    return i === -1 ? null : (this.ranges[i]?.to ?? null);
  }

  /** The seq intervals inside [from, to] that are not loaded. */
  missing(from: number, to: number): SeqRange[] {
    const out: SeqRange[] = [];
    let cursor = from;
    let i = this.firstRangeEndingAtOrAfter(from);
    while (cursor <= to) {
      const range = this.ranges[i];
      if (!range || range.from > to) {
        out.push({ from: cursor, to });
        break;
      }
      if (range.from > cursor) out.push({ from: cursor, to: range.from - 1 });
      cursor = Math.max(cursor, range.to + 1);
      i += 1;
    }
    return out;
  }

  /** Loaded events with from ≤ seq ≤ to, in seq order. */
  *between(from: number, to: number): Generator<Event> {
    for (let i = this.firstRangeEndingAtOrAfter(from); i < this.ranges.length; i++) {
      const range = this.ranges[i];
      if (!range || range.from > to) return;
      const end = Math.min(range.to, to);
      for (let seq = Math.max(range.from, from); seq <= end; seq++) {
        const event = this.events.get(seq);
        if (event) yield event;
      }
    }
  }

  /** Every seq held, ascending (for tests and the page's test hook). */
  seqs(): number[] {
    const out: number[] = [];
    for (const range of this.ranges) for (let s = range.from; s <= range.to; s++) out.push(s);
    return out;
  }

  private rangeIndex(seq: number): number {
    const i = this.firstRangeEndingAtOrAfter(seq);
    const range = this.ranges[i];
    return range && range.from <= seq ? i : -1;
  }

  /** Index of the first interval whose `to` ≥ seq (ranges.length when none). */
  private firstRangeEndingAtOrAfter(seq: number): number {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.ranges[mid]?.to ?? 0) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insertSeq(seq: number): void {
    // Fast path: the common case is appending right after the last interval.
    const last = this.ranges[this.ranges.length - 1];
    if (last && last.to + 1 === seq) {
      last.to = seq;
      return;
    }
    const i = this.firstRangeEndingAtOrAfter(seq - 1);
    const before = this.ranges[i];
    if (before && before.from <= seq + 1 && before.to >= seq - 1) {
      // Adjacent to (or touching) interval i: extend it, then merge with the next if they meet.
      before.from = Math.min(before.from, seq);
      before.to = Math.max(before.to, seq);
      const next = this.ranges[i + 1];
      if (next && next.from <= before.to + 1) {
        before.to = Math.max(before.to, next.to);
        this.ranges.splice(i + 1, 1);
      }
      return;
    }
    this.ranges.splice(i, 0, { from: seq, to: seq });
  }
}

/** What merging a batch of live events did. */
export interface LiveMerge {
  added: Event[];
  /** Events already held (replayed twice, or resent after a reconnect): ignored. */
  duplicates: number;
  /** The highest seq up to which everything since the stream's start is held. */
  cursor: number;
  /** Seqs the stream skipped over: to be fetched with `after=`. */
  gaps: SeqRange[];
}

/**
 * Merges live events into the store. `cursor` is the seq the stream resumed after; everything up
 * to it is held. Events at or below what is held are duplicates; an event beyond cursor+1 with
 * missing seqs before it leaves a gap for the caller to fetch.
 */
export function mergeLive(store: EventStore, cursor: number, events: readonly Event[]): LiveMerge {
  const added = store.add(events);
  const duplicates = events.length - added.length;
  const top = events.reduce((max, e) => Math.max(max, e.seq), cursor);
  const next = cursor === 0 && !store.has(1) ? 0 : (store.contiguousEnd(Math.max(1, cursor)) ?? cursor);
  const gaps = top > next ? store.missing(next + 1, top) : [];
  return { added, duplicates, cursor: next, gaps };
}
