-- Where each case's events sit in the log; the records themselves stay in Kafka.
-- Topics are physical names (with the namespace prefix), so namespaces sharing a database
-- never see each other's rows.
CREATE TABLE event_index (
    topic        text        NOT NULL,
    partition    integer     NOT NULL,
    "offset"     bigint      NOT NULL,
    complaint_id text        NOT NULL,
    type         text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    service      text        NOT NULL,
    event_id     uuid        NOT NULL,
    causation_id uuid,
    PRIMARY KEY (topic, partition, "offset")
);
CREATE INDEX event_index_by_case ON event_index (complaint_id);

-- A ticket names its case; tickets restart per database in tests, hence the namespace.
CREATE TABLE ticket_index (
    namespace    text NOT NULL,
    ticket       text NOT NULL,
    complaint_id text NOT NULL,
    PRIMARY KEY (namespace, ticket, complaint_id)
);
