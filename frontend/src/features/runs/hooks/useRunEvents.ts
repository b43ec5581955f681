/**
 * A run's event ledger, paged forward by seq (`next_cursor` → `after`). At the end of what is
 * stored, `loadNewer` asks for events after the last one shown and appends them as a new page,
 * so a running run's ledger can follow along without refetching the pages already loaded. Nothing
 * is fetched for a run whose events the retention policy removed (`enabled` false).
 */
import { useInfiniteQuery, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { useCallback, useMemo, useRef, useState } from "react";
import { apiGet } from "../../../api/client";
import type { Event, EventList } from "../../../api/types";
import { eventsPagePath, runEventsQuery, runKeys, type EventFilters } from "../api";

type EventPages = InfiniteData<EventList, string | null>;

export function useRunEvents(runId: string, filters: EventFilters, enabled = true) {
  const queryClient = useQueryClient();
  const query = useInfiniteQuery({ ...runEventsQuery(runId, filters), enabled });
  const events = useMemo<Event[]>(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  const lastSeq = events.at(-1)?.seq ?? 0;
  const inFlight = useRef(false);
  const [loadingNewer, setLoadingNewer] = useState(false);

  const loadNewer = useCallback(async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    setLoadingNewer(true);
    const after = String(lastSeq);
    try {
      const page = await apiGet<EventList>(eventsPagePath(runId, filters, after));
      if (page.items.length === 0) return;
      queryClient.setQueryData<EventPages>(runKeys.events(runId, filters), (data) => {
        if (!data) return data;
        // Another load may have landed meanwhile: keep only events past what is cached.
        const cachedLast = data.pages.flatMap((p) => p.items).at(-1)?.seq ?? 0;
        const items = page.items.filter((e) => e.seq > cachedLast);
        if (items.length === 0) return data;
        return { pages: [...data.pages, { ...page, items }], pageParams: [...data.pageParams, after] };
      });
    } finally {
      inFlight.current = false;
      setLoadingNewer(false);
    }
  }, [queryClient, runId, filters, lastSeq]);

  return { ...query, events, lastSeq, loadNewer, loadingNewer };
}
