/**
 * Owns the tab's single connection to the worker-wide stream (`GET /api/v1/stream`). `resync`
 * refetches what is shown; run events go to the runs feature, executor events to the executors
 * feature and `health.changed` to the health feature, which write them into the cache.
 * The connection is closed while the token page is up and reopened once a session exists.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode } from "react";
import { applyExecutorEvent } from "../features/executors";
import { applyHealthEvent } from "../features/health";
import { createRunEventSink } from "../features/runs";
import { useNeedsToken } from "../features/session";
import { connectEventStream, type StreamState } from "../lib/sse";
import { StreamStateContext } from "./streamState";

export function WorkerStream({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const needsToken = useNeedsToken();
  const [state, setState] = useState<StreamState>("closed");

  useEffect(() => {
    if (needsToken) return;
    const runs = createRunEventSink(queryClient);
    const close = connectEventStream({
      url: "/api/v1/stream",
      onStateChange: setState,
      handlers: {
        resync: () => {
          void queryClient.invalidateQueries();
        },
        "run.created": runs.push,
        "run.updated": runs.push,
        "executor.updated": (data) => {
          applyExecutorEvent(queryClient, data);
        },
        "health.changed": (data) => {
          applyHealthEvent(queryClient, data);
        },
      },
    });
    return () => {
      close();
      runs.dispose();
    };
  }, [needsToken, queryClient]);

  return <StreamStateContext value={state}>{children}</StreamStateContext>;
}
