-- The citizen's verdict on each resolution: one open question per case and round.
CREATE TABLE verdict_questions (
    complaint_id  text PRIMARY KEY,
    ticket        text NOT NULL UNIQUE,
    agency        text NOT NULL,
    round         int NOT NULL,            -- 1, then 2 after a re-opening, ...
    reporter_id   text,
    asked_at      timestamptz NOT NULL,
    answer_by     timestamptz NOT NULL,    -- silence until then closes the case
    outcome       text,                    -- null while open: solved, not_solved, no_reply
    answered_by   text UNIQUE,             -- the channel message (or page) that answered
    answered_at   timestamptz
);
CREATE INDEX verdict_questions_open ON verdict_questions (reporter_id, asked_at)
    WHERE outcome IS NULL;
CREATE INDEX verdict_questions_due ON verdict_questions (answer_by) WHERE outcome IS NULL;

-- Keys intake makes for itself when none is configured (the status page's verdict codes).
CREATE TABLE intake_secrets (
    name   text PRIMARY KEY,
    value  bytea NOT NULL
);
