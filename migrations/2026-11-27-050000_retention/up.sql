-- Retention: a per-run byte figure of the stored events (kept up to date at insert, so the size
-- cap never has to scan the events table), whether the run's Code Audit evidence is still kept,
-- and indexes the pruner uses to find expired rows without scanning.
ALTER TABLE runs ADD COLUMN event_bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN code_audit_retained BOOLEAN NOT NULL DEFAULT 1;
-- The figure counts the bytes of every stored field of an event (see db::events::event_bytes).
UPDATE runs SET event_bytes = COALESCE((
    SELECT SUM(LENGTH(CAST(e.ts AS BLOB)) + LENGTH(CAST(e.kind AS BLOB))
        + COALESCE(LENGTH(CAST(e.stage AS BLOB)), 0) + COALESCE(LENGTH(CAST(e.stream AS BLOB)), 0)
        + COALESCE(LENGTH(CAST(e.text AS BLOB)), 0) + COALESCE(LENGTH(CAST(e.data AS BLOB)), 0) + 16)
    FROM events e WHERE e.run_id = runs.id), 0);
CREATE INDEX code_evidence_created ON code_evidence (created_at);
