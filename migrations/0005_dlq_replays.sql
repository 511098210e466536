-- Dead letters sent back to their topic (`okayface-worker dlq replay`), one row per original
-- message (its source coordinates), so a second replay of the same letter publishes nothing.
CREATE TABLE dlq_replays (
    source_topic     text NOT NULL,
    source_partition integer NOT NULL,
    source_offset    bigint NOT NULL,
    dlq_topic        text NOT NULL,
    dlq_partition    integer NOT NULL,
    dlq_offset       bigint NOT NULL,
    request_id       text,
    error_code       text,
    replayed_at      timestamptz NOT NULL DEFAULT now(),
    replayed_by      text NOT NULL,
    PRIMARY KEY (source_topic, source_partition, source_offset)
);
CREATE INDEX dlq_replays_replayed_at_idx ON dlq_replays (replayed_at);
