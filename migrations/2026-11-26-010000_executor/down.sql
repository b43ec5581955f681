DROP TABLE review_findings;
DROP TABLE diff_guard_flags;
DROP TABLE run_artifacts;
ALTER TABLE commands DROP COLUMN pid;
