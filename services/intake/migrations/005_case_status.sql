-- The citizen-facing projection of each case, kept from the lifecycle topics.
CREATE TABLE case_status (
    complaint_id   text PRIMARY KEY,
    ticket         text NOT NULL UNIQUE,
    channel        text NOT NULL,
    category_hint  text,
    description    text NOT NULL,          -- masked text, as published
    confidential   boolean NOT NULL,
    lat            double precision,
    lon            double precision,
    address        text,
    media_url      text,
    received_at    timestamptz NOT NULL,
    status         text NOT NULL,
    status_at      timestamptz NOT NULL,   -- occurred_at of the event that set the status
    agency         text,
    due_at         timestamptz,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX case_status_received ON case_status (received_at);

-- Public history lines shown to the citizen, one per lifecycle event.
CREATE TABLE case_updates (
    event_id      uuid PRIMARY KEY,
    complaint_id  text NOT NULL,
    occurred_at   timestamptz NOT NULL,
    kind          text NOT NULL,
    agency        text,
    message       text
);
CREATE INDEX case_updates_complaint ON case_updates (complaint_id, occurred_at);

-- Lifecycle events already applied: replaying a topic changes nothing.
CREATE TABLE applied_events (
    event_id    uuid PRIMARY KEY,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
