/**
 * Pure functions that apply `run.created` / `run.updated` stream events to a cached, paged runs
 * list: insert or replace by id, keep newest-first order (created_at, then id), and never insert a
 * run below the loaded range (it will arrive with "load more").
 */
import type { InfiniteData } from "@tanstack/react-query";
import type { Run, RunList } from "../../api/types";
import { runMatchesFilters, type RunListFilters } from "./filters";

export type RunPages = InfiniteData<RunList, string | null>;

/** Newest first: created_at descending, then id descending (both sort lexically, see API.md). */
export function compareRuns(a: Pick<Run, "created_at" | "id">, b: Pick<Run, "created_at" | "id">): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  if (a.id === b.id) return 0;
  return a.id < b.id ? 1 : -1;
}

function removeRun(pages: RunList[], id: string): RunList[] {
  return pages.map((page) =>
    page.items.some((r) => r.id === id) ? { ...page, items: page.items.filter((r) => r.id !== id) } : page,
  );
}

function insertRun(pages: RunList[], run: Run): RunList[] {
  for (let p = 0; p < pages.length; p++) {
    const page = pages[p];
    if (!page) continue;
    const index = page.items.findIndex((r) => compareRuns(run, r) < 0);
    if (index !== -1) {
      const items = [...page.items.slice(0, index), run, ...page.items.slice(index)];
      return pages.map((pg, i) => (i === p ? { ...pg, items } : pg));
    }
  }
  // Older than everything loaded: it belongs at the end only if the list is complete.
  const last = pages[pages.length - 1];
  if (!last || last.next_cursor) return pages;
  return pages.map((pg, i) => (i === pages.length - 1 ? { ...pg, items: [...pg.items, run] } : pg));
}

function findRun(pages: RunList[], id: string): Run | undefined {
  for (const page of pages) {
    const found = page.items.find((r) => r.id === id);
    if (found) return found;
  }
  return undefined;
}

/** Applies one run to the pages; answers the same object when nothing changed. */
export function upsertRun(data: RunPages, run: Run, filters: RunListFilters): RunPages {
  const existing = findRun(data.pages, run.id);
  const matches = runMatchesFilters(run, filters);
  if (!existing && !matches) return data;
  let pages = data.pages;
  if (existing) {
    if (matches && existing.created_at === run.created_at) {
      // Same sort key: replace in place, keeping page boundaries (and their cursors) intact.
      pages = pages.map((page) =>
        page.items.includes(existing)
          ? { ...page, items: page.items.map((r) => (r.id === run.id ? run : r)) }
          : page,
      );
      return { ...data, pages };
    }
    pages = removeRun(pages, run.id);
  }
  if (matches) pages = insertRun(pages, run);
  return pages === data.pages ? data : { ...data, pages };
}

/** Applies a batch of runs in arrival order (the last state of each run wins). */
export function applyRuns(data: RunPages, runs: Run[], filters: RunListFilters): RunPages {
  return runs.reduce((acc, run) => upsertRun(acc, run, filters), data);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** Parses the data of a `run.created` / `run.updated` message; null when it is not a Run. */
export function parseRunEvent(data: string): Run | null {
  try {
    const value: unknown = JSON.parse(data);
    if (
      isRecord(value) &&
      typeof value.id === "string" &&
      typeof value.created_at === "string" &&
      typeof value.status === "string" &&
      isRecord(value.ticket) &&
      isRecord(value.repository) &&
      isRecord(value.provider)
    ) {
      return value as unknown as Run;
    }
  } catch {
    // A malformed message is dropped; the next resync repairs the view.
  }
  return null;
}
