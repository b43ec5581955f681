-- Provider settings managed on the Providers page: one row per (provider kind, field). A plain
-- field keeps its value in `value`; a secret field keeps only `secret`, the XChaCha20-Poly1305
-- nonce followed by the ciphertext, sealed under the key file (JCA_PROVIDER_SECRET_KEY_PATH) with
-- "<kind>/<name>" as associated data. Settings provisioned by flag or environment are never stored.
CREATE TABLE provider_settings (
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT,
    secret BLOB,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, name),
    CHECK ((value IS NULL) <> (secret IS NULL))
);
