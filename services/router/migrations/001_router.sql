-- The router's memory of each case: who holds it now, who held it before, and what an agency
-- needs to see when the case moves on. `scope` is the topic prefix, so test runs and tenants
-- that share one database never see each other's cases.
CREATE TABLE cases (
    scope               text NOT NULL,
    complaint_id        text NOT NULL,
    tenant              text NOT NULL,
    ticket              text NOT NULL,
    text                text NOT NULL,           -- masked text, as routed
    content             text NOT NULL,           -- stemmed content words, for near-duplicates
    kecamatan           text,
    category            text,
    agency              text NOT NULL,           -- current holder; the center in triage
    disposition         text NOT NULL,
    agency_chain        text[] NOT NULL DEFAULT '{}',
    priority            text NOT NULL,
    flags               text[] NOT NULL DEFAULT '{}',
    rules_version       text NOT NULL,
    parent_complaint_id text,
    received_at         timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, complaint_id)
);
CREATE INDEX cases_open_by_agency ON cases (scope, tenant, agency, received_at DESC)
    WHERE parent_complaint_id IS NULL AND disposition = 'assigned';

-- One row per input event handled: the idempotency record and the outbox in one. The events
-- it caused are stored before they are sent; `sent_at` is set once Kafka acknowledged them.
CREATE TABLE handled (
    scope        text NOT NULL,
    event_id     uuid NOT NULL,
    complaint_id text NOT NULL,
    outputs      jsonb NOT NULL,                 -- [{"topic": ..., "event": {...}}, ...]
    note         text,
    handled_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz,
    PRIMARY KEY (scope, event_id)
);
CREATE INDEX handled_unsent ON handled (scope, handled_at) WHERE sent_at IS NULL;

-- Commands and responses that arrived before the complaint itself (separate topics are not
-- ordered with each other); applied, in arrival order, when the complaint is routed.
CREATE TABLE deferred (
    scope        text NOT NULL,
    event_id     uuid NOT NULL,
    complaint_id text NOT NULL,
    event        jsonb NOT NULL,
    deferred_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, event_id)
);
CREATE INDEX deferred_by_case ON deferred (scope, complaint_id, deferred_at);
