/**
 * A reconnecting EventSource. The browser's own retry stops for good on an HTTP error (a 401, a
 * 503 while the worker restarts), so every error closes the source and a new one is opened after a
 * backoff delay; a successful open resets the delay. Handlers receive the raw `data` string.
 */
import { backoffDelay } from "./backoff";

export type StreamState = "connecting" | "open" | "reconnecting" | "closed";

export interface EventStreamOptions {
  url: string;
  /** Handlers by SSE event name (`event:` field). */
  handlers: Record<string, (data: string) => void>;
  onStateChange?: (state: StreamState) => void;
  /** Injectable for tests. */
  createSource?: (url: string) => EventSource;
}

/** Opens the stream and returns a function that closes it for good. */
export function connectEventStream(options: EventStreamOptions): () => void {
  const create = options.createSource ?? ((url: string) => new EventSource(url));
  let source: EventSource | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  const setState = (state: StreamState) => options.onStateChange?.(state);

  const open = () => {
    timer = null;
    if (closed) return;
    setState(attempt === 0 ? "connecting" : "reconnecting");
    const current = create(options.url);
    source = current;
    current.onopen = () => {
      attempt = 0;
      setState("open");
    };
    current.onerror = () => {
      current.close();
      if (closed || source !== current) return;
      source = null;
      setState("reconnecting");
      timer = setTimeout(open, backoffDelay(attempt));
      attempt += 1;
    };
    for (const [name, handler] of Object.entries(options.handlers)) {
      current.addEventListener(name, (event: MessageEvent<string>) => {
        handler(event.data);
      });
    }
  };

  open();

  return () => {
    closed = true;
    if (timer !== null) clearTimeout(timer);
    source?.close();
    source = null;
    setState("closed");
  };
}
