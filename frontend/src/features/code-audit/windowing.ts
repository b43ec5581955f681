/**
 * Windowing for the file view: rows have one fixed height, so the rows to render follow from the
 * scroll position alone, and a file of any length costs only the rows on screen.
 */

export interface RowWindow {
  /** First row index to render. */
  start: number;
  /** One past the last row index to render. */
  end: number;
}

export function visibleRows(scrollTop: number, viewport: number, rowHeight: number, count: number, overscan = 20): RowWindow {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const last = Math.ceil((Math.max(0, scrollTop) + Math.max(0, viewport)) / rowHeight);
  return {
    start: Math.min(count, Math.max(0, first - overscan)),
    end: Math.min(count, last + overscan),
  };
}

/**
 * The scrollTop that brings row `index` into view with `margin` rows around it, or null when it
 * is already in view (so focusing a visible row never jumps the page).
 */
export function scrollToReveal(index: number, scrollTop: number, viewport: number, rowHeight: number, margin = 2): number | null {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  const pad = margin * rowHeight;
  if (top - pad < scrollTop) return Math.max(0, top - pad);
  if (bottom + pad > scrollTop + viewport) return Math.max(0, bottom + pad - viewport);
  return null;
}
