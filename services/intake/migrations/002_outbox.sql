-- Every event intake publishes is first written here, in the transaction that decides it;
-- a row is sent to Kafka under a row lock and marked, so one process sends it (a crash
-- between send and mark re-sends it with the same event id, which consumers de-duplicate).
CREATE TABLE outbox (
    event_id      uuid PRIMARY KEY,
    complaint_id  text NOT NULL,
    topic         text NOT NULL,          -- catalogue name, without the deployment prefix
    event         jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (complaint_id) WHERE published_at IS NULL;

-- Cases opened before the outbox existed and never acknowledged by Kafka.
INSERT INTO outbox (event_id, complaint_id, topic, event, created_at)
SELECT event_id, complaint_id, 'complaints.received', event, created_at
FROM cases WHERE published_at IS NULL;
