/**
 * Providers API calls and their query keys: the provider cards (`GET /api/v1/providers`), partial
 * updates (`PUT …/{id}`), a readiness check now (`POST …/check`), and the self-test that runs a
 * tiny real request through the provider (`POST …/self-test`). Answers that carry the provider
 * replace it in the cached list.
 */
import { queryOptions, type QueryClient } from "@tanstack/react-query";
import { apiGet, apiRequest } from "../../api/client";
import type { ProviderItem, ProviderList, SelfTestResult } from "../../api/types";

export const providerKeys = {
  all: ["providers"] as const,
  list: () => [...providerKeys.all, "list"] as const,
};

export function providersQuery() {
  return queryOptions({
    queryKey: providerKeys.list(),
    queryFn: ({ signal }) => apiGet<ProviderList>("/api/v1/providers", signal),
  });
}

function providerPath(id: string): string {
  return `/api/v1/providers/${encodeURIComponent(id)}`;
}

/** Replaces one provider in the cached list (by id). */
export function replaceProvider(queryClient: QueryClient, item: ProviderItem): void {
  queryClient.setQueryData<ProviderList>(providerKeys.list(), (list) =>
    list ? { ...list, items: list.items.map((p) => (p.id === item.id ? { ...p, ...item } : p)) } : list,
  );
}

/** Sends a partial settings update; 422 names invalid fields, 409 a locked one (nothing changes). */
export async function updateProvider(
  queryClient: QueryClient,
  id: string,
  settings: Record<string, string>,
): Promise<ProviderItem> {
  const item = await apiRequest<ProviderItem>(providerPath(id), { method: "PUT", body: { settings } });
  replaceProvider(queryClient, item);
  return item;
}

/** Runs the provider's readiness checks now. */
export async function checkProvider(queryClient: QueryClient, id: string): Promise<ProviderItem> {
  const item = await apiRequest<ProviderItem>(`${providerPath(id)}/check`, { method: "POST" });
  replaceProvider(queryClient, item);
  return item;
}

/** The providers the self-test applies to (it needs the worker's own agent loop). */
export const SELF_TEST_KINDS: readonly string[] = ["openai-compatible", "anthropic"];

/** Runs the self-test: one tiny real request that must call a tool (it spends a few tokens). */
export function selfTestProvider(id: string): Promise<SelfTestResult> {
  return apiRequest<SelfTestResult>(`${providerPath(id)}/self-test`, { method: "POST" });
}
