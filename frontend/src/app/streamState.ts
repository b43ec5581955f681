/** The worker stream's connection state, shared from the stream provider to the header. */
import { createContext, useContext } from "react";
import type { StreamState } from "../lib/sse";

export const StreamStateContext = createContext<StreamState>("closed");

export function useStreamState(): StreamState {
  return useContext(StreamStateContext);
}
