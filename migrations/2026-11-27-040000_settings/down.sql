DROP TABLE settings_history;
DROP TABLE settings;
