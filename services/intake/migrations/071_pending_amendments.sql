-- Edits and withdrawals that arrived before their original message (issue 16): kept here,
-- keyed by the channel and the original's id, and applied when the original opens its case.
CREATE TABLE pending_amendments (
    channel     text NOT NULL,
    target      text NOT NULL,             -- the original message's id
    change_id   text NOT NULL,             -- the channel's id of the edit or revoke
    amendment   jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel, target, change_id)
);
