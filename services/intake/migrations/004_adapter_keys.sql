-- One API key per channel adapter; only a SHA-256 of the key is stored.
CREATE TABLE adapter_keys (
    key_id           text PRIMARY KEY,
    name             text NOT NULL,
    channel          text NOT NULL,
    key_hash         text NOT NULL UNIQUE,
    rate_per_second  double precision NOT NULL,
    burst            int NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    revoked_at       timestamptz
);
