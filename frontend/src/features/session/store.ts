/**
 * Whether the worker wants a token from this browser. Set when any API call answers 401, cleared
 * after `POST /api/v1/session` succeeds. A tiny external store read with useSyncExternalStore,
 * because the signal comes from the fetch client, outside React.
 */
import { useSyncExternalStore } from "react";

let needsToken = false;
const listeners = new Set<() => void>();

function emit() {
  for (const listener of listeners) listener();
}

function set(value: boolean): void {
  if (needsToken === value) return;
  needsToken = value;
  emit();
}

function get(): boolean {
  return needsToken;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export const sessionStore = {
  requireToken: (): void => {
    set(true);
  },
  tokenAccepted: (): void => {
    set(false);
  },
  get,
  subscribe,
};

/** True while the token page should be shown instead of the current page. */
export function useNeedsToken(): boolean {
  return useSyncExternalStore(subscribe, get, get);
}
