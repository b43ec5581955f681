/**
 * The live log's model: the seq-keyed event store, the stage sections over it, and the rows the
 * viewer shows, indexed so that row i or the row of seq s is found without walking a million rows.
 * A section shows a header row, then (when open) its loaded events as rows and every stretch of
 * seqs not loaded yet as placeholder rows, one per missing seq, which the viewer fetches when they
 * scroll into view. Live events at the end of the log are appended to the last section's rows
 * without rebuilding them; anything else rebuilds only the sections it touches.
 */
import type { Event, Stage } from "../../api/types";
import { buildSections, isOpenByDefault, noteStageEvent, sectionIndexOf, type Section, type StageMark } from "./sections";
import { EventStore, mergeLive, type LiveMerge } from "./store";
import { CATEGORIES, failedCommandIds, RowBuilder, type Category, type Row, type SectionRow } from "./rows";

type Piece = { kind: "rows"; builder: RowBuilder; from: number; to: number } | { kind: "gap"; from: number; to: number };

interface SectionView {
  section: Section;
  header: SectionRow;
  open: boolean;
  pieces: Piece[];
  /** Row count of the section including its header. */
  count: number;
  /** The highest seq the pieces cover. */
  builtTo: number;
}

function pieceCount(piece: Piece): number {
  return piece.kind === "rows" ? piece.builder.rows.length : piece.to - piece.from + 1;
}

export class LogModel {
  readonly store = new EventStore();
  /** Bumped on every change the viewer must show. */
  version = 0;
  /** Events added so far (for "N new" while not following). */
  received = 0;
  private show = new Set<Category>(CATEGORIES);
  private readonly openOverride = new Map<string, boolean>();
  private readonly toggledCommands = new Set<string>();
  private readonly marks = new Map<string, StageMark>();
  private stages: readonly Stage[] = [];
  private views: SectionView[] = [];
  private sectionList: Section[] = [];
  private offsets: number[] = [];
  private total = 0;

  constructor() {
    this.resection();
    this.reindex();
  }

  get rowCount(): number {
    return this.total;
  }

  get sections(): readonly Section[] {
    return this.sectionList;
  }

  get filters(): ReadonlySet<Category> {
    return this.show;
  }

  isSectionOpen(key: string): boolean {
    return this.views.find((v) => v.section.key === key)?.open ?? false;
  }

  /** The run's stages as the API reports them. */
  setStages(stages: readonly Stage[]): void {
    this.stages = stages;
    this.resection();
    for (const view of this.lagging(new Set())) this.rebuild(view);
    this.reindex();
  }

  /** Adds events (replayed, fetched or live); answers the ones that were new. */
  ingest(events: readonly Event[]): Event[] {
    return this.absorb(this.store.add(events));
  }

  /** Merges a batch from the live stream that resumed after `cursor` (see `mergeLive`). */
  ingestLive(cursor: number, events: readonly Event[]): LiveMerge {
    const merge = mergeLive(this.store, cursor, events);
    this.absorb(merge.added);
    return merge;
  }

  private absorb(added: Event[]): Event[] {
    if (added.length === 0) return added;
    this.received += added.length;
    let stagesChanged = false;
    for (const event of added) if (noteStageEvent(this.marks, event)) stagesChanged = true;
    this.place(added, stagesChanged ? this.resection() : new Set());
    return added;
  }

  setFilters(show: ReadonlySet<Category>): void {
    this.show = new Set(show);
    this.rebuildAll();
  }

  toggleSection(key: string): void {
    const view = this.views.find((v) => v.section.key === key);
    if (!view) return;
    this.openOverride.set(key, !view.open);
    this.rebuildAll();
  }

  setAllSections(open: boolean): void {
    for (const view of this.views) this.openOverride.set(view.section.key, open);
    this.rebuildAll();
  }

  toggleCommand(id: string): void {
    if (this.toggledCommands.has(id)) this.toggledCommands.delete(id);
    else this.toggledCommands.add(id);
    this.rebuildAll();
  }

  /** Opens whatever hides `seq` (its section, its command); answers whether anything changed. */
  reveal(seq: number): boolean {
    const view = this.views[sectionIndexOf(this.sectionList, seq)];
    if (!view) return false;
    let changed = false;
    if (!view.open) {
      this.openOverride.set(view.section.key, true);
      view.open = true;
      changed = true;
      this.rebuild(view);
    }
    for (const piece of view.pieces) {
      if (piece.kind !== "rows" || seq < piece.from || seq > piece.to) continue;
      for (const row of piece.builder.rows) {
        if (row.type === "command" && !row.expanded && row.hidden.includes(seq)) {
          if (this.toggledCommands.has(row.id)) this.toggledCommands.delete(row.id);
          else this.toggledCommands.add(row.id);
          changed = true;
          this.rebuild(view);
          break;
        }
      }
    }
    if (changed) this.reindex();
    return changed;
  }

  /** Row i (0 ≤ i < rowCount). */
  rowAt(index: number): Row | undefined {
    const s = this.sectionAtRow(index);
    const view = this.views[s];
    if (!view) return undefined;
    let local = index - (this.offsets[s] ?? 0);
    if (local === 0) return view.header;
    local -= 1;
    for (const piece of view.pieces) {
      const count = pieceCount(piece);
      if (local < count) {
        if (piece.kind === "rows") return piece.builder.rows[local];
        const seq = piece.from + local;
        return { type: "gap", seq, seqs: [] };
      }
      local -= count;
    }
    return undefined;
  }

  /** The index of the row showing `seq` (or the nearest row before it, e.g. its section header). */
  indexOfSeq(seq: number): number {
    const s = sectionIndexOf(this.sectionList, seq);
    const view = this.views[s];
    if (!view) return 0;
    let index = (this.offsets[s] ?? 0) + 1;
    for (const piece of view.pieces) {
      if (seq > piece.to) {
        index += pieceCount(piece);
        continue;
      }
      if (seq < piece.from) return index - 1;
      if (piece.kind === "gap") return index + (seq - piece.from);
      const rows = piece.builder.rows;
      let lo = 0;
      let hi = rows.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((rows[mid]?.seq ?? 0) <= seq) lo = mid;
        else hi = mid - 1;
      }
      return rows.length === 0 ? index - 1 : index + lo;
    }
    return Math.max(0, index - 1);
  }

  /**
   * Every seq the rows stand for (output folded under a card and a card's finish included),
   * ascending — a seq shown twice appears twice, one never shown is absent.
   */
  rowSeqs(): number[] {
    const out: number[] = [];
    for (const view of this.views) {
      for (const piece of view.pieces) {
        if (piece.kind !== "rows") continue;
        for (const row of piece.builder.rows) {
          if (row.type === "command") out.push(row.seq, ...row.hidden, ...row.seqs.slice(1));
          else out.push(...row.seqs);
        }
      }
    }
    return out.sort((x, y) => x - y);
  }

  /** Recomputes the sections, reusing built rows where bounds allow; answers the views built afresh. */
  private resection(): Set<SectionView> {
    const sections = buildSections(this.stages, this.marks);
    this.sectionList = sections;
    const fresh = new Set<SectionView>();
    const old = new Map(this.views.map((v) => [v.section.key, v]));
    const lastIndex = sections.length - 1;
    this.views = sections.map((section) => {
      const prev = old.get(section.key);
      // A section open while the operator watched it stays open when its stage succeeds.
      const watched = prev?.open === true && isOpenByDefault(prev.section);
      if (watched && !this.openOverride.has(section.key)) this.openOverride.set(section.key, true);
      const open = this.openOverride.get(section.key) ?? (isOpenByDefault(section) || lastIndex === 0);
      const header: SectionRow = { type: "section", seq: section.first, seqs: [], key: section.key, open };
      // Reuse built rows while the section's bounds still hold everything that was built.
      if (prev?.section.first === section.first && prev.open === open && prev.builtTo <= section.last) {
        prev.section = section;
        prev.header = header;
        return prev;
      }
      const view: SectionView = { section, header, open, pieces: [], count: 1, builtTo: 0 };
      this.rebuild(view);
      fresh.add(view);
      return view;
    });
    return fresh;
  }

  private rebuildAll(): void {
    for (const view of this.views) {
      view.open = this.openOverride.get(view.section.key) ?? (isOpenByDefault(view.section) || this.views.length === 1);
      view.header = { ...view.header, open: view.open };
      this.rebuild(view);
    }
    this.reindex();
  }

  private rebuild(view: SectionView): void {
    const { first, last } = view.section;
    const end = Math.min(last, this.store.maxSeq());
    view.pieces = [];
    view.builtTo = end;
    view.header = { ...view.header, open: view.open };
    if (!view.open || end < first) return;
    const failed = failedCommandIds(this.store.between(first, end));
    let cursor = first;
    for (const gap of [...this.store.missing(first, end), { from: end + 1, to: end + 1 }]) {
      if (gap.from > cursor) {
        const builder = new RowBuilder({ show: this.show, toggled: this.toggledCommands, failed });
        for (const event of this.store.between(cursor, gap.from - 1)) builder.append(event);
        view.pieces.push({ kind: "rows", builder, from: cursor, to: gap.from - 1 });
      }
      if (gap.from <= end) view.pieces.push({ kind: "gap", from: gap.from, to: gap.to });
      cursor = gap.to + 1;
    }
  }

  /** Places new events: appended to the end of their section when they continue it, else a rebuild. */
  private place(added: readonly Event[], fresh: ReadonlySet<SectionView>): void {
    const dirty = new Set<SectionView>();
    for (const event of added) {
      const view = this.views[sectionIndexOf(this.sectionList, event.seq)];
      if (!view || dirty.has(view) || fresh.has(view)) continue;
      if (!view.open) {
        view.builtTo = Math.max(view.builtTo, event.seq);
        continue;
      }
      const tail = view.pieces[view.pieces.length - 1];
      if (event.seq === view.builtTo + 1 && tail?.kind === "rows" && tail.to === view.builtTo) {
        tail.builder.append(event);
        tail.to = event.seq;
        view.builtTo = event.seq;
        if (tail.builder.needsRebuild) dirty.add(view);
      } else {
        dirty.add(view);
      }
    }
    for (const view of this.lagging(fresh)) dirty.add(view);
    for (const view of dirty) this.rebuild(view);
    this.reindex();
  }

  /**
   * Open sections whose rows stop short of what they should cover now: an open section before
   * the loaded tail (e.g. the failed stage of a finished run opened at its end) must show its
   * unloaded seqs as placeholders, or it looks empty and nothing ever loads them.
   */
  private lagging(skip: ReadonlySet<SectionView>): SectionView[] {
    const max = this.store.maxSeq();
    return this.views.filter((view) => view.open && !skip.has(view) && view.builtTo < Math.min(view.section.last, max));
  }

  private reindex(): void {
    let total = 0;
    this.offsets = this.views.map((view) => {
      view.count = 1;
      for (const piece of view.pieces) view.count += pieceCount(piece);
      const start = total;
      total += view.count;
      return start;
    });
    this.total = total;
    this.version += 1;
  }

  private sectionAtRow(index: number): number {
    let lo = 0;
    let hi = this.offsets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.offsets[mid] ?? 0) <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
