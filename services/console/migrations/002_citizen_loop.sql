-- The citizen's side of a case after it opened: edits and look-ups that change its text, the
-- verdict on a resolution (a re-opening starts a new round) and a withdrawal.
ALTER TABLE cases
    ADD COLUMN first_text        text,          -- as the case was received; kept after edits
    ADD COLUMN text_at           timestamptz,   -- event time of the edit or look-up that set
                                                -- `text`; null while it is the received text
    ADD COLUMN round             int NOT NULL DEFAULT 1,
    ADD COLUMN verdict           text,          -- solved, not_solved
    ADD COLUMN verdict_round     int,
    ADD COLUMN verdict_reason    text,
    ADD COLUMN verdict_at        timestamptz,
    ADD COLUMN closed_reason     text,          -- confirmed, no_reply
    ADD COLUMN withdrawn_reason  text,          -- the channel's word: revoke, remove, delete
    ADD COLUMN agency_at         timestamptz;   -- event time of the status that set `agency`:
                                                -- a withdrawn case's holder follows it alone
