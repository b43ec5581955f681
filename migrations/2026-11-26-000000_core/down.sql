DROP TABLE file_changes;
DROP TABLE commands;
DROP TABLE events;
DROP TABLE stages;
DROP TABLE run_states;
DROP TABLE runs;
DROP TABLE jobs;
DROP TABLE repositories;
