-- Dead letters put back on their topic: one row per dead letter, written before the send
-- (with the target's end offsets then, to bound the search after a crash) and completed after.
CREATE TABLE redrives (
    dlq_topic      text        NOT NULL,
    dlq_partition  integer     NOT NULL,
    dlq_offset     bigint      NOT NULL,
    target_topic   text        NOT NULL,
    target_start   jsonb       NOT NULL,
    started_at     timestamptz NOT NULL DEFAULT now(),
    target_partition integer,
    target_offset  bigint,
    done_at        timestamptz,
    found_after_crash boolean  NOT NULL DEFAULT false,
    PRIMARY KEY (dlq_topic, dlq_partition, dlq_offset)
);
