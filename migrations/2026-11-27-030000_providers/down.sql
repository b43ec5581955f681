DROP TABLE provider_settings;
