-- Code Audit: evidence of the lines runs added (append-only), where those lines are now, and the
-- reconciliation jobs that keep that current.

-- Per-repository reconciliation state.
CREATE TABLE code_repos (
    repository_id TEXT PRIMARY KEY NOT NULL REFERENCES repositories(id),
    -- The branch followed; NULL = the repository's default branch.
    tracked_branch TEXT,
    last_commit TEXT,
    last_reconciled_at TEXT,
    loc_total BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'pending',
    error TEXT
);

-- One evidence set per run (or per external submission).
CREATE TABLE code_evidence (
    id TEXT PRIMARY KEY NOT NULL,
    repository_id TEXT NOT NULL REFERENCES repositories(id),
    run_id TEXT,
    external BOOLEAN NOT NULL DEFAULT 0,
    ticket_key TEXT NOT NULL,
    provider TEXT,
    model TEXT,
    origin_commit TEXT NOT NULL,
    line_count BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    -- Set once the evidence has been checked for squash/rebase content at the reconciled commit.
    content_checked BOOLEAN NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX code_evidence_run ON code_evidence(repository_id, run_id) WHERE run_id IS NOT NULL;
CREATE INDEX code_evidence_repo ON code_evidence(repository_id, created_at);

-- Touched lines: the ranges each evidence set added at its origin commit. Never rewritten
-- (line hashes are filled once when the origin commit is first readable).
CREATE TABLE code_ranges (
    id INTEGER PRIMARY KEY NOT NULL,
    evidence_id TEXT NOT NULL REFERENCES code_evidence(id),
    path TEXT NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    line_hashes BLOB
);
CREATE INDEX code_ranges_evidence ON code_ranges(evidence_id);

-- Where the lines of each range are now, as runs of lines that share one status.
CREATE TABLE code_segments (
    id INTEGER PRIMARY KEY NOT NULL,
    repository_id TEXT NOT NULL,
    evidence_id TEXT NOT NULL REFERENCES code_evidence(id),
    range_id INTEGER NOT NULL REFERENCES code_ranges(id),
    range_offset INTEGER NOT NULL,
    line_count INTEGER NOT NULL,
    status TEXT NOT NULL,
    path TEXT NOT NULL,
    start_line INTEGER NOT NULL,
    at_commit TEXT NOT NULL,
    content_hash TEXT,
    changed_at TEXT NOT NULL
);
CREATE INDEX code_segments_repo_path ON code_segments(repository_id, path, start_line);
CREATE INDEX code_segments_repo_status ON code_segments(repository_id, status);
CREATE INDEX code_segments_evidence ON code_segments(evidence_id, path, start_line);

CREATE TABLE code_reconciliations (
    id TEXT PRIMARY KEY NOT NULL,
    repository_id TEXT NOT NULL REFERENCES repositories(id),
    status TEXT NOT NULL,
    cause TEXT NOT NULL,
    from_commit TEXT,
    to_commit TEXT,
    error TEXT,
    counts TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    duration_ms BIGINT
);
CREATE INDEX code_reconciliations_repo ON code_reconciliations(repository_id, created_at);
