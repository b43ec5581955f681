/**
 * The windowed log: only the rows in view are in the DOM. Rows have one fixed height; when the
 * log is taller than `MAX_SCROLL_PX` (a million rows exceed the browser's maximum element height)
 * the scroll range is scaled, and the scroll position maps proportionally to a row. While
 * following, every change scrolls to the end; scrolling up pauses following (the page offers
 * "jump to live"), and then changes above the view keep the top line where it was. Placeholder
 * rows in view are reported (after scrolling settles) so their lines get loaded.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import type { LogModel } from "../logModel";
import type { Row } from "../rows";
import { LogRow, type RowContext } from "./LogRow";

export const ROW_PX = 20;
export const MAX_SCROLL_PX = 8_000_000;
const OVERSCAN = 6;

export interface JumpRequest {
  seq: number;
  nonce: number;
}

interface Props {
  model: LogModel;
  version: number;
  ctx: RowContext;
  following: boolean;
  onFollowingChange: (following: boolean) => void;
  /** Jump to this seq (centred) when the nonce changes. */
  jump: JumpRequest | null;
  highlight: number | null;
  matches: ReadonlySet<number>;
  currentMatch: number | null;
  onPlaceholders: (from: number, to: number) => void;
}

interface Geometry {
  total: number;
  spacer: number;
  ratio: number;
}

function geometry(rowCount: number, viewport: number): Geometry {
  const total = rowCount * ROW_PX;
  if (total <= MAX_SCROLL_PX) return { total, spacer: total, ratio: 1 };
  return { total, spacer: MAX_SCROLL_PX, ratio: (total - viewport) / (MAX_SCROLL_PX - viewport) };
}

function rowFlags(row: Row, highlight: number | null, matches: ReadonlySet<number>, current: number | null): string {
  let flags = "";
  if (highlight !== null && row.seqs.includes(highlight)) flags += " is-target";
  if (matches.size > 0 && row.seqs.some((s) => matches.has(s))) flags += " is-match";
  if (current !== null && row.seqs.includes(current)) flags += " is-current";
  return flags;
}

export function LogViewer(props: Props) {
  const { model, version, ctx, following, onFollowingChange, jump, highlight, matches, currentMatch, onPlaceholders } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  /** The seq at the top of the view and how far into its row, to hold the view still on changes. */
  const anchor = useRef<{ seq: number; offset: number } | null>(null);
  const programmatic = useRef(false);

  const geo = geometry(model.rowCount, viewport);
  const virtualTop = scrollTop * geo.ratio;
  const first = Math.max(0, Math.floor(virtualTop / ROW_PX) - OVERSCAN);
  const last = Math.min(model.rowCount - 1, Math.ceil((virtualTop + viewport) / ROW_PX) + OVERSCAN);

  const setTop = useCallback((top: number) => {
    const el = scroller.current;
    if (!el) return;
    const before = el.scrollTop;
    el.scrollTop = top;
    // Only a real move fires a scroll event; mark it so it is not read as the user's.
    if (el.scrollTop !== before) programmatic.current = true;
    setScrollTop(el.scrollTop);
  }, []);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => {
      setViewport(el.clientHeight);
    });
    observer.observe(el);
    setViewport(el.clientHeight);
    return () => {
      observer.disconnect();
    };
  }, []);

  // After every model change: stick to the end while following, else keep the anchor line in place.
  useLayoutEffect(() => {
    const g = geometry(model.rowCount, viewport);
    if (following) {
      setTop(g.spacer);
      return;
    }
    const a = anchor.current;
    if (a) setTop((model.indexOfSeq(a.seq) * ROW_PX + a.offset) / g.ratio);
  }, [model, version, following, viewport, setTop]);

  useLayoutEffect(() => {
    if (!jump) return;
    const g = geometry(model.rowCount, viewport);
    const index = model.indexOfSeq(jump.seq);
    anchor.current = { seq: jump.seq, offset: -Math.floor(viewport / 2 / ROW_PX) * ROW_PX };
    setTop(Math.max(0, index * ROW_PX - viewport / 2 + ROW_PX / 2) / g.ratio);
    // The line stays where it was put until the user scrolls.
  }, [jump, model, viewport, setTop]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    setScrollTop(el.scrollTop);
    const g = geometry(model.rowCount, el.clientHeight);
    const topVirtual = el.scrollTop * g.ratio;
    const topIndex = Math.floor(topVirtual / ROW_PX);
    const topRow = model.rowAt(topIndex);
    if (topRow) anchor.current = { seq: topRow.seq, offset: topVirtual - topIndex * ROW_PX };
    if (programmatic.current) {
      programmatic.current = false;
      return;
    }
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - 4;
    if (atBottom !== following) onFollowingChange(atBottom);
  };

  // Placeholders in view are loaded once scrolling settles.
  useEffect(() => {
    const timer = setTimeout(() => {
      let from = Infinity;
      let to = -Infinity;
      for (let i = first; i <= last; i++) {
        const row = model.rowAt(i);
        if (row?.type !== "gap") continue;
        from = Math.min(from, row.seq);
        to = Math.max(to, row.seq);
      }
      if (from <= to) onPlaceholders(from, to);
    }, 120);
    return () => {
      clearTimeout(timer);
    };
  }, [first, last, model, version, onPlaceholders]);

  const items = [];
  const offset = virtualTop - Math.floor(virtualTop / ROW_PX) * ROW_PX;
  const base = scrollTop - offset - (Math.floor(virtualTop / ROW_PX) - first) * ROW_PX;
  for (let i = first; i <= last; i++) {
    const row = model.rowAt(i);
    if (!row) continue;
    const key = row.type === "section" ? `s:${row.key}` : row.type === "gap" ? `g:${row.seq}` : `r:${row.seq}`;
    items.push(
      <div key={key} className="log-slot" style={{ top: base + (i - first) * ROW_PX }}>
        <LogRow row={row} ctx={ctx} flags={rowFlags(row, highlight, matches, currentMatch)} />
      </div>,
    );
  }

  return (
    <div
      ref={scroller}
      className="log-viewer"
      role="log"
      aria-label="Run log"
      data-testid="log-viewer"
      data-rows={model.rowCount}
      data-version={version}
      onScroll={onScroll}
      onWheel={(e) => {
        if (e.deltaY < 0 && following) onFollowingChange(false);
      }}
      tabIndex={0}
    >
      <div className="log-viewer__spacer" style={{ height: geo.spacer }}>
        {items}
      </div>
    </div>
  );
}
