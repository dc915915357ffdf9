-- Agencies' own API keys for answering their cases; only a SHA-256 of each key is stored.
CREATE TABLE agency_keys (
    key_id      text PRIMARY KEY,
    agency      text NOT NULL,
    label       text NOT NULL,
    key_hash    text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX agency_keys_agency ON agency_keys (agency);
