-- One row per case: the clocks' durable state. The SLA service keeps only a heap of
-- (next_due, id) in memory and rebuilds it from `cases_due` after a restart or rebalance.
-- `namespace` is the consumer group: state belongs with the offsets it complements, so
-- two deployments (or test runs) sharing a database never fire each other's clocks.
CREATE TABLE cases (
    id            bigserial PRIMARY KEY,
    namespace     text NOT NULL,
    complaint_id  text NOT NULL,
    partition     int  NOT NULL,            -- input partition: the instance owning it fires it
    holder        text,                     -- agency holding the case now (NULL: triage)
    open          boolean NOT NULL,         -- held with a running or paused clock
    at_risk       boolean NOT NULL,         -- a warning fired, no breach yet
    overdue       boolean NOT NULL,         -- a breach fired on an open clock
    next_due      timestamptz,              -- earliest stage to fire; NULL: nothing pending
    state         jsonb NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (namespace, complaint_id)
);

CREATE INDEX cases_due ON cases (namespace, partition, next_due) WHERE next_due IS NOT NULL;
CREATE INDEX cases_open ON cases (namespace, partition, holder) WHERE open;
