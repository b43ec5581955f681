-- Ticket Audit needs to tell validation and setup commands from the worker's git calls, and the
-- base ref a run actually checked out.
ALTER TABLE commands ADD COLUMN purpose TEXT;
ALTER TABLE run_artifacts ADD COLUMN base_ref TEXT;
CREATE INDEX file_changes_run ON file_changes (run_id, path);
