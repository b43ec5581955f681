/**
 * The app's QueryClient. Client errors (4xx) are not retried: a 401 goes to the token page and a
 * 404 is an answer. Live data arrives through the worker stream, so focus refetches are off.
 */
import { QueryClient } from "@tanstack/react-query";
import { ApiError } from "../api/client";

export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 2;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: shouldRetry,
        staleTime: 5_000,
        refetchOnWindowFocus: false,
      },
      mutations: { retry: false },
    },
  });
}
