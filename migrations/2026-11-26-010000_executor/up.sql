-- What the executor records beyond events: process ids (to clean up after a crash), the run's
-- patch, diff guard flags and review findings (kept for audit after events are pruned).

ALTER TABLE commands ADD COLUMN pid INTEGER;

CREATE TABLE run_artifacts (
    run_id TEXT PRIMARY KEY NOT NULL REFERENCES runs (id),
    patch TEXT,
    review_approved BOOLEAN,
    review_fixes_ran BOOLEAN NOT NULL DEFAULT 0,
    repair_attempts INTEGER NOT NULL DEFAULT 0,
    max_repair_attempts INTEGER NOT NULL DEFAULT 0,
    context_file TEXT
);

CREATE TABLE diff_guard_flags (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    run_id TEXT NOT NULL REFERENCES runs (id),
    rule TEXT NOT NULL,
    path TEXT,
    message TEXT NOT NULL
);
CREATE INDEX diff_guard_flags_run ON diff_guard_flags (run_id, id);

CREATE TABLE review_findings (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    run_id TEXT NOT NULL REFERENCES runs (id),
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    path TEXT,
    line INTEGER
);
CREATE INDEX review_findings_run ON review_findings (run_id, id);
