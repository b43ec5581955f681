-- Core schema: repositories, jobs, runs and everything a run records.
-- Timestamps are TEXT, RFC 3339 UTC with milliseconds (fixed width: lexical order = time order).
-- Ids are UUIDv7 TEXT.

CREATE TABLE repositories (
    id TEXT PRIMARY KEY NOT NULL,
    url TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    default_branch TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX repositories_name ON repositories (name);

CREATE TABLE jobs (
    id TEXT PRIMARY KEY NOT NULL,
    repository_id TEXT NOT NULL REFERENCES repositories (id),
    ticket_key TEXT NOT NULL,
    ticket_title TEXT NOT NULL,
    ticket_body TEXT,
    ticket_url TEXT,
    ticket_source TEXT,
    spec TEXT NOT NULL,
    is_sample BOOLEAN NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX jobs_created ON jobs (created_at DESC, id DESC);

CREATE TABLE runs (
    id TEXT PRIMARY KEY NOT NULL,
    job_id TEXT NOT NULL REFERENCES jobs (id),
    attempt INTEGER NOT NULL,
    status TEXT NOT NULL,
    stage TEXT,
    repository_id TEXT NOT NULL REFERENCES repositories (id),
    ticket_key TEXT NOT NULL,
    ticket_title TEXT NOT NULL,
    ticket_url TEXT,
    provider_id TEXT,
    provider_model TEXT,
    executor_id TEXT,
    executor_name TEXT,
    branch TEXT,
    base_commit TEXT,
    head_commit TEXT,
    pushed BOOLEAN NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    reason_code TEXT,
    reason TEXT,
    failed_stage TEXT,
    error_message TEXT,
    error_detail TEXT,
    input_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0,
    cache_read_tokens BIGINT NOT NULL DEFAULT 0,
    cost_usd DOUBLE NOT NULL DEFAULT 0,
    usage_estimated BOOLEAN NOT NULL DEFAULT 1,
    validation_mode TEXT NOT NULL,
    validation_passed BOOLEAN,
    event_count BIGINT NOT NULL DEFAULT 0,
    last_event_seq BIGINT NOT NULL DEFAULT 0,
    events_retained BOOLEAN NOT NULL DEFAULT 1,
    audit_retained BOOLEAN NOT NULL DEFAULT 1,
    audit_expires_at TEXT,
    UNIQUE (job_id, attempt)
);
CREATE INDEX runs_created ON runs (created_at DESC, id DESC);
CREATE INDEX runs_status_created ON runs (status, created_at DESC, id DESC);
CREATE INDEX runs_repository_created ON runs (repository_id, created_at DESC, id DESC);
CREATE INDEX runs_ticket_created ON runs (ticket_key, created_at DESC, id DESC);
CREATE INDEX runs_provider_created ON runs (provider_id, created_at DESC, id DESC);
CREATE INDEX runs_branch ON runs (branch);
CREATE INDEX runs_finished ON runs (finished_at DESC, id DESC);

CREATE TABLE run_states (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    run_id TEXT NOT NULL REFERENCES runs (id),
    status TEXT NOT NULL,
    stage TEXT,
    at TEXT NOT NULL,
    note TEXT
);
CREATE INDEX run_states_run ON run_states (run_id, id);

CREATE TABLE stages (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    run_id TEXT NOT NULL REFERENCES runs (id),
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    duration_ms BIGINT,
    first_seq BIGINT,
    last_seq BIGINT,
    summary TEXT,
    UNIQUE (run_id, name, attempt)
);

CREATE TABLE events (
    run_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    ts TEXT NOT NULL,
    kind TEXT NOT NULL,
    stage TEXT,
    attempt INTEGER,
    stream TEXT,
    text TEXT,
    data TEXT,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

CREATE TABLE commands (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    run_id TEXT NOT NULL REFERENCES runs (id),
    source TEXT NOT NULL,
    stage TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    argv TEXT NOT NULL,
    cwd TEXT,
    exit_code INTEGER,
    timed_out BOOLEAN NOT NULL DEFAULT 0,
    duration_ms BIGINT,
    started_at TEXT NOT NULL,
    output_tail TEXT
);
CREATE INDEX commands_run ON commands (run_id, id);

CREATE TABLE file_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    run_id TEXT NOT NULL REFERENCES runs (id),
    path TEXT NOT NULL,
    old_path TEXT,
    change TEXT NOT NULL,
    additions BIGINT NOT NULL DEFAULT 0,
    deletions BIGINT NOT NULL DEFAULT 0,
    diff TEXT,
    UNIQUE (run_id, path)
);
