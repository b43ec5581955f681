DROP TABLE code_reconciliations;
DROP TABLE code_segments;
DROP TABLE code_ranges;
DROP TABLE code_evidence;
DROP TABLE code_repos;
