/**
 * Runtime settings API calls and their query keys: `GET /api/v1/settings`, the partial and atomic
 * `PUT /api/v1/settings` (only changed names), and the settings history, newest first.
 */
import { infiniteQueryOptions, queryOptions, type QueryClient } from "@tanstack/react-query";
import { apiGet, apiRequest } from "../../api/client";
import type { SettingsDoc, SettingsHistory } from "../../api/types";

export const HISTORY_PAGE_SIZE = 50;

export const settingsKeys = {
  all: ["settings"] as const,
  current: () => [...settingsKeys.all, "current"] as const,
  history: () => [...settingsKeys.all, "history"] as const,
};

export function settingsQuery() {
  return queryOptions({
    queryKey: settingsKeys.current(),
    queryFn: ({ signal }) => apiGet<SettingsDoc>("/api/v1/settings", signal),
    staleTime: 30_000,
  });
}

export function settingsHistoryQuery() {
  return infiniteQueryOptions({
    queryKey: settingsKeys.history(),
    queryFn: ({ pageParam, signal }) => {
      const params = new URLSearchParams({ limit: String(HISTORY_PAGE_SIZE) });
      if (pageParam) params.set("cursor", pageParam);
      return apiGet<SettingsHistory>(`/api/v1/settings/history?${params.toString()}`, signal);
    },
    initialPageParam: null as string | null,
    getNextPageParam: (lastPage) => lastPage.next_cursor ?? null,
  });
}

/**
 * Saves `changes` (name → value) in one atomic PUT, caches the settings it answers and refetches
 * the history. A locked name answers 409 and an invalid value 422; then nothing changed.
 */
export async function saveSettings(queryClient: QueryClient, changes: Record<string, unknown>): Promise<SettingsDoc> {
  const doc = await apiRequest<SettingsDoc>("/api/v1/settings", { method: "PUT", body: changes });
  queryClient.setQueryData(settingsKeys.current(), doc);
  await queryClient.invalidateQueries({ queryKey: settingsKeys.history() });
  return doc;
}
