/**
 * The one typed fetch client for the JSON API. It sends same-origin credentials (the session
 * cookie), parses the error envelope `{"error": {code, message, details}}` into an `ApiError`, and
 * tells the registered listener about 401s so the shell can ask for a token.
 */

/** An error answered by the API (or a transport failure, with status 0 and code "network"). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details: unknown = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

let unauthorizedListener: (() => void) | null = null;

/** Registers the callback run whenever a request answers 401 `unauthorized`. */
export function setUnauthorizedListener(listener: (() => void) | null): void {
  unauthorizedListener = listener;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Builds an ApiError from a failed response's status and (possibly non-JSON) body text. */
export function parseErrorBody(status: number, statusText: string, text: string): ApiError {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed) && isRecord(parsed.error)) {
      const { code, message, details } = parsed.error;
      if (typeof code === "string" && typeof message === "string") {
        return new ApiError(status, code, message, details ?? null);
      }
    }
  } catch {
    // Not JSON (a proxy error page, for instance): fall through to the generic error.
  }
  const fallback = text.trim().slice(0, 200) || statusText || "request failed";
  return new ApiError(status, status === 401 ? "unauthorized" : "http_error", `HTTP ${status}: ${fallback}`);
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  signal?: AbortSignal;
}

/** Sends a request and returns the successful response; failures become an ApiError. */
async function send(path: string, accept: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? "GET",
      headers,
      body,
      credentials: "same-origin",
      signal: options.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new ApiError(0, "network", "The worker could not be reached.");
  }
  if (!response.ok) {
    const error = parseErrorBody(response.status, response.statusText, await response.text());
    if (error.status === 401) unauthorizedListener?.();
    throw error;
  }
  return response;
}

/** Sends a request to `path` (starting with /api/) and resolves with the parsed JSON body. */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, "application/json", options);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  if (text === "") return undefined as T;
  const parsed: unknown = JSON.parse(text);
  return parsed as T;
}

/** A GET of a plain-text resource (a diff, a log); errors still come back as the JSON envelope. */
export async function apiGetText(path: string, signal?: AbortSignal): Promise<string> {
  const response = await send(path, "text/plain, text/x-diff, */*", { signal });
  return response.text();
}

/** Shorthand for a GET. */
export function apiGet<T>(path: string, signal?: AbortSignal): Promise<T> {
  return apiRequest<T>(path, { signal });
}
