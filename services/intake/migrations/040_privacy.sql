-- Erasure (UU PDP): a reporter's contact data is removed at the end of retention or on the
-- citizen's request; the row and its pseudonymous id stay, so the event log still adds up.
ALTER TABLE reporters ADD COLUMN erased_at timestamptz;

-- The record of each erasure; it holds no personal data, only what was erased and why.
CREATE TABLE erasures (
    erasure_id    text PRIMARY KEY,
    reason        text NOT NULL,           -- 'request' (a citizen, by ticket) or 'retention'
    ticket        text,                    -- the ticket the request named
    reporter_id   text,
    cases         int  NOT NULL,           -- how many cases' contact details were cleared
    requested_by  text,                    -- the operator who carried out a request
    erased_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reporters_unerased ON reporters (updated_at) WHERE erased_at IS NULL;
