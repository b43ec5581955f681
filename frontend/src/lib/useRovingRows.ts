/**
 * Keyboard access for a table whose rows open something: Tab lands on one row (roving tab stop),
 * ↑/↓ move between rows, Home/End jump, Enter opens the focused row. Rows carry `data-key`.
 */
import { useCallback, useState, type FocusEvent, type KeyboardEvent } from "react";

function rowOf(target: EventTarget): HTMLTableRowElement | null {
  return target instanceof Element ? target.closest<HTMLTableRowElement>("tr[data-key]") : null;
}

function focusRow(row: Element | null | undefined): void {
  if (row instanceof HTMLTableRowElement) row.focus();
}

export function useRovingRows(keys: readonly string[], open: (key: string) => void) {
  const [focused, setFocused] = useState<string | null>(null);
  const tabbable = focused !== null && keys.includes(focused) ? focused : keys[0];

  const onFocus = useCallback((e: FocusEvent<HTMLTableSectionElement>) => {
    const key = rowOf(e.target)?.dataset.key;
    if (key !== undefined) setFocused(key);
  }, []);

  const onKeyDown = useCallback(
    (e: KeyboardEvent<HTMLTableSectionElement>) => {
      const row = rowOf(e.target);
      if (!row) return;
      const body = e.currentTarget;
      switch (e.key) {
        case "ArrowDown":
          focusRow(row.nextElementSibling);
          break;
        case "ArrowUp":
          focusRow(row.previousElementSibling);
          break;
        case "Home":
          focusRow(body.firstElementChild);
          break;
        case "End":
          focusRow(body.lastElementChild);
          break;
        case "Enter":
          // Links and buttons inside the row handle their own Enter.
          if (e.target !== row || row.dataset.key === undefined) return;
          open(row.dataset.key);
          break;
        default:
          return;
      }
      e.preventDefault();
    },
    [open],
  );

  return { tabbable, onFocus, onKeyDown };
}
