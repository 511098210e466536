-- okayface-worker schema v1. The names of verification_results are a contract
-- (design.md §4): back-office tools query them. Add columns and tables; never rename.

-- The request as received. Images are never stored, only their URIs.
CREATE TABLE verification_requests (
    request_id                text PRIMARY KEY,
    journey_id                text,
    journey_created           boolean NOT NULL DEFAULT false,
    subject                   text,
    image_id_card_uri         text NOT NULL,
    image_best_uri            text NOT NULL,
    image_mobile_sdk_data_uri text NOT NULL,
    requested_at              timestamptz,
    kafka_topic               text NOT NULL,
    kafka_partition           integer NOT NULL,
    kafka_offset              bigint NOT NULL,
    received_at               timestamptz NOT NULL,
    created_at                timestamptz NOT NULL DEFAULT now()
);

-- One row per request: the decision. No foreign key to verification_requests, so the
-- retention purge can drop old requests and keep their decisions.
CREATE TABLE verification_results (
    request_id                   text PRIMARY KEY,
    journey_id                   text,
    subject                      text,
    decision                     text NOT NULL CHECK (decision IN ('approved', 'rejected', 'review', 'error')),
    reasons                      text[] NOT NULL DEFAULT '{}',
    face_confidence              double precision,
    liveness_probability         double precision,
    capture_liveness_probability double precision,
    capture_liveness_score       double precision,
    thresholds                   jsonb NOT NULL,
    vendor_http_status           integer,
    vendor_message               text,
    attempts                     integer NOT NULL,
    requested_at                 timestamptz,
    processed_at                 timestamptz NOT NULL
);
CREATE INDEX verification_results_journey_id_idx ON verification_results (journey_id);
CREATE INDEX verification_results_subject_idx ON verification_results (subject);
CREATE INDEX verification_results_processed_at_idx ON verification_results (processed_at);
CREATE INDEX verification_results_decision_idx ON verification_results (decision, processed_at);

-- One row per call to the vendor (journey creation and OkayFace Plus attempts).
-- Never image bytes or credentials.
CREATE TABLE vendor_calls (
    id           bigserial PRIMARY KEY,
    request_id   text NOT NULL REFERENCES verification_requests (request_id) ON DELETE CASCADE,
    endpoint     text NOT NULL,
    attempt      integer NOT NULL,
    started_at   timestamptz NOT NULL,
    duration_ms  double precision NOT NULL,
    http_status  integer,
    outcome      text NOT NULL,
    error_code   text
);
CREATE INDEX vendor_calls_request_id_idx ON vendor_calls (request_id);
CREATE INDEX vendor_calls_started_at_idx ON vendor_calls (started_at);

-- Result events waiting to be published (transactional outbox). The payload is kept as
-- text so the published bytes are exactly the ones written with the decision.
CREATE TABLE outbox (
    id               bigserial PRIMARY KEY,
    request_id       text NOT NULL,
    topic            text NOT NULL,
    payload          text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz
);
CREATE INDEX outbox_unsent_idx ON outbox (id) WHERE sent_at IS NULL;
