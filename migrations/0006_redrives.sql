-- Re-drives (`okayface-worker redrive`): a decision that ended retryable (retry_later) sent
-- through the workers again from its stored request row. One row per decision revision
-- re-driven, so a second redrive of the same revision publishes nothing; the worker's result
-- is the next revision of the same verification_results row, its history in decision_history.
CREATE TABLE redrives (
    request_id    text NOT NULL,
    from_revision integer NOT NULL,
    reasons       text[] NOT NULL,
    requested_by  text NOT NULL,
    requested_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, from_revision)
);
CREATE INDEX redrives_requested_at_idx ON redrives (requested_at);
