-- The storage health check writes one row through the single writer and reads it back through
-- the read pool: a real round trip that proves writes commit and readers see them.
CREATE TABLE health_probes (
    id INTEGER PRIMARY KEY NOT NULL,
    token TEXT NOT NULL,
    written_at TEXT NOT NULL
);
