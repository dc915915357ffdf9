-- The console's own tables: its projection of cases from the lifecycle topics, its accounts,
-- sessions and claims. Nothing here is read by another service.
CREATE TABLE users (
    username      text PRIMARY KEY,
    display_name  text NOT NULL,
    role          text NOT NULL CHECK (role IN ('operator', 'supervisor', 'agency')),
    agency        text,
    password_hash text NOT NULL,
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'agency') = (agency IS NOT NULL))
);

CREATE TABLE sessions (
    session_id  text PRIMARY KEY,
    username    text NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (username);

CREATE TABLE cases (
    complaint_id        text PRIMARY KEY,
    ticket              text,
    channel             text,
    received_by         text,
    text                text,
    kecamatan           text,
    confidential        boolean NOT NULL DEFAULT false,
    anonymous           boolean NOT NULL DEFAULT false,
    received_at         timestamptz,
    status              text NOT NULL DEFAULT 'received',
    status_at           timestamptz,
    agency              text,
    category            text,
    priority            text,
    confidence          double precision,
    reason              text,
    flags               text[] NOT NULL DEFAULT '{}',
    agency_chain        text[] NOT NULL DEFAULT '{}',
    parent_complaint_id text,
    parent_ticket       text,
    last_redirect_reason text,
    last_redirect_from  text,
    first_answer_at     timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_status ON cases (status, received_at);
CREATE INDEX cases_agency ON cases (agency, status);
CREATE INDEX cases_ticket ON cases (ticket);

CREATE TABLE clocks (
    clock_id      text PRIMARY KEY,
    complaint_id  text NOT NULL,
    agency        text NOT NULL,
    target        text NOT NULL,
    due_at        timestamptz NOT NULL,
    state         text NOT NULL,
    state_at      timestamptz NOT NULL,
    started_at    timestamptz,
    met_at        timestamptz,
    within_target boolean
);
CREATE INDEX clocks_case ON clocks (complaint_id);
CREATE INDEX clocks_agency ON clocks (agency, target, state);

-- Every applied event, once (the idempotency record), with its line of the case's history.
CREATE TABLE case_events (
    event_id       uuid PRIMARY KEY,
    complaint_id   text NOT NULL,
    occurred_at    timestamptz NOT NULL,
    type           text NOT NULL,
    topic          text NOT NULL,
    actor          text NOT NULL,
    agency         text,
    summary        text NOT NULL,
    public_kind    text,
    public_message text,
    causation_id   uuid
);
CREATE INDEX case_events_case ON case_events (complaint_id, occurred_at);

CREATE TABLE claims (
    complaint_id text PRIMARY KEY,
    username     text NOT NULL,
    expires_at   timestamptz NOT NULL
);
