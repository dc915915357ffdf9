-- Every time someone read a reporter's contact data through GET /v1/cases/{ticket}/contact:
-- who (the operator key's name, and the console user it acted for), when, which case and why.
-- It holds no contact data itself, so it outlives an erasure.
CREATE TABLE contact_accesses (
    access_id     text PRIMARY KEY,
    complaint_id  text NOT NULL,
    ticket        text NOT NULL,
    operator      text NOT NULL,
    on_behalf_of  text,
    reason        text NOT NULL,
    outcome       text NOT NULL,           -- shown, anonymous, erased, none
    accessed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contact_accesses_case ON contact_accesses (complaint_id, accessed_at);
