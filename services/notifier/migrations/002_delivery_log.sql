-- The delivery log: one row per message (source request, channel, address), keyed by the
-- delivery id that is also the idempotency key sent to the receiver. 'sending' is written
-- before the call, so a process killed mid-send leaves a visible trace (claims > 1 afterwards).
-- Citizens' addresses are not stored: `recipient` is an agency label or a masked address.
DROP TABLE deliveries;

CREATE TABLE delivery_log (
    delivery_id          uuid PRIMARY KEY,
    request_id           uuid NOT NULL,
    complaint_id         text NOT NULL,
    channel              text NOT NULL,
    recipient            text NOT NULL,
    template             text NOT NULL,
    status               text NOT NULL CHECK (status IN ('sending', 'delivered', 'failed')),
    claims               int  NOT NULL DEFAULT 1,   -- sends started; > 1 after a crash mid-send
    attempts             int  NOT NULL DEFAULT 0,   -- calls made, over all claims
    last_error           text,
    provider_message_id  text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    finished_at          timestamptz
);
CREATE INDEX delivery_log_complaint ON delivery_log (complaint_id);

-- Ticket of each case the notifier saw assigned, so clock messages can name the ticket.
CREATE TABLE known_cases (
    complaint_id  text PRIMARY KEY,
    ticket        text NOT NULL,
    agency        text NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
