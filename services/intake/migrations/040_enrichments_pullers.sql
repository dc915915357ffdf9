-- Look-ups that failed while a delivery was read (an Instagram mention's text): the case is
-- open already, the job retries the look-up with backoff and completes the case.
CREATE TABLE enrichments (
    complaint_id  text NOT NULL,
    lookup        text NOT NULL,           -- e.g. instagram_mention
    params        jsonb NOT NULL,          -- what the look-up needs (account, ids)
    attempts      int NOT NULL DEFAULT 0,
    next_at       timestamptz NOT NULL,
    last_error    text,
    done_at       timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (complaint_id, lookup)
);
CREATE INDEX enrichments_due ON enrichments (next_at) WHERE done_at IS NULL;

-- Where each puller (TikTok, X stream, remote Open311, news feeds) stopped, per source.
CREATE TABLE puller_cursors (
    source      text PRIMARY KEY,
    cursor      jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
