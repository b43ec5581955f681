DROP INDEX file_changes_run;
ALTER TABLE run_artifacts DROP COLUMN base_ref;
ALTER TABLE commands DROP COLUMN purpose;
