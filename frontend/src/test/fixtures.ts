/** Test helpers: a complete Run with the given overrides, shaped like the API's answers. */
import type { Run, RunList } from "../api/types";

export function makeRun(overrides: Partial<Run> & Pick<Run, "id" | "created_at">): Run {
  return {
    job_id: `job-${overrides.id}`,
    attempt: 1,
    status: "queued",
    stage: null,
    ticket: { key: "T-1", title: "Title", url: null },
    repository: { id: "repo-1", name: "acme/api", url: "/srv/repos/api.git" },
    provider: { id: "command", kind: "command", model: null },
    executor: null,
    branch: null,
    base_commit: null,
    head_commit: null,
    pushed: false,
    sample: false,
    started_at: null,
    finished_at: null,
    duration_ms: null,
    outcome: null,
    error: null,
    usage: { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cost_usd: 0, estimated: true },
    validation: { mode: "required", passed: null },
    event_count: 0,
    last_event_seq: 0,
    retention: { events_retained: true, audit_retained: true, audit_expires_at: null },
    links: { self: "", events: "", stream: "", audit: "", live: "", patch: "" },
    ...overrides,
  };
}

export function page(items: Run[], next_cursor: string | null = null): RunList {
  return { items, next_cursor };
}
