-- Runtime settings set from the UI or API (JSON values); flag/env values are never stored.
CREATE TABLE settings (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- Every change made through the API: when, which setting, old and new JSON values, and who
-- (the token id, or "loopback").
CREATE TABLE settings_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    changed_at TEXT NOT NULL,
    name TEXT NOT NULL,
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    who TEXT NOT NULL
);
