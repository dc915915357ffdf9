-- One row per (event, recipient): a redelivered event never sends a second message.
CREATE TABLE deliveries (
    event_id      uuid NOT NULL,
    recipient     text NOT NULL,
    channel       text NOT NULL,
    status        text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts      int  NOT NULL DEFAULT 0,
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    delivered_at  timestamptz,
    PRIMARY KEY (event_id, recipient)
);
