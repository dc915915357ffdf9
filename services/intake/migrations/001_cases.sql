-- One row per case; (channel, channel_message_id) makes a redelivered message the same case.
CREATE TABLE cases (
    complaint_id        text PRIMARY KEY,
    ticket              text NOT NULL UNIQUE,
    channel             text NOT NULL,
    channel_message_id  text NOT NULL,
    event_id            uuid NOT NULL UNIQUE,
    event               jsonb NOT NULL,      -- the ComplaintReceived exactly as (re)published
    published_at        timestamptz,         -- null until Kafka acknowledged the event
    created_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (channel, channel_message_id)
);

-- Ticket numbers are sequential per tenant prefix and year, readable aloud: KTP-2026-004217.
CREATE TABLE ticket_counters (
    prefix  text NOT NULL,
    year    int  NOT NULL,
    last    int  NOT NULL,
    PRIMARY KEY (prefix, year)
);
