-- The citizen registry: contact data stays here; events carry only the random reporter_id.
CREATE TABLE reporters (
    reporter_id  text PRIMARY KEY,
    identity     text NOT NULL UNIQUE,     -- tel:+62..., mailto:..., or <channel>:<account id>
    name         text,
    phone        text,                     -- E.164
    email        text,
    handle       text,
    channel      text NOT NULL,            -- where we first heard from them
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- How to reach the citizen about this case: decided once, when the case opens.
ALTER TABLE cases
    ADD COLUMN reporter_id     text REFERENCES reporters,
    ADD COLUMN notify_channel  text,       -- whatsapp, email, webhook (center's operators) or null
    ADD COLUMN recipient       text,
    ADD COLUMN reply_context   jsonb NOT NULL DEFAULT '{}';
