DROP INDEX code_evidence_created;
ALTER TABLE runs DROP COLUMN code_audit_retained;
ALTER TABLE runs DROP COLUMN event_bytes;
