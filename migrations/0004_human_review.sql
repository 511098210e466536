-- Decisions that explain themselves, their history, human review, and the console's people
-- (README, "Human review"). decision_history and audit_log are append-only: the database
-- itself refuses to change or remove their rows, whoever asks.

-- Every decision policy ever used, once: the hash is 'sha256:' and the hex SHA-256 of
-- `canonical` (thresholds, review bands and the reason -> next-action table, sorted keys).
CREATE TABLE decision_policies (
    hash          text PRIMARY KEY,
    policy_id     text NOT NULL,
    canonical     text NOT NULL,
    policy        jsonb NOT NULL,
    first_used_at timestamptz NOT NULL DEFAULT now()
);

-- The next action of a decision, for rows written without one: the rows of an earlier
-- version (backfilled below) and those of an older worker still running during a rolling
-- upgrade. The worker computes it itself (Sources/Verification/Decision/NextAction.swift);
-- this is the same table.
CREATE FUNCTION okayface_next_action(decision text, reasons text[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE decision
        WHEN 'approved' THEN 'proceed'
        WHEN 'rejected' THEN 'stop'
        WHEN 'review' THEN 'await_review'
        ELSE CASE
            WHEN reasons && ARRAY[
                'vendor_error:FACE_TOO_SMALL', 'vendor_error:FACE_CROPPED', 'vendor_error:FACE_IS_OCCLUDED',
                'vendor_error:FACE_CLOSE_TO_BORDER', 'vendor_error:FACE_TOO_CLOSE', 'vendor_error:FACE_ANGLE_TOO_LARGE',
                'vendor_error:FACE_NOT_FOUND', 'vendor_error:TOO_MANY_FACES', 'vendor_error:EYES_CLOSED',
                'vendor_error:Photo format error', 'vendor_error:UNRECOGNIZED_IMAGE', 'vendor_error:UNRESOLVED_PIC_CONTENT',
                'image_invalid:idCard', 'image_invalid:best']
                THEN 'retake_photos'
            WHEN EXISTS (SELECT 1 FROM unnest(reasons) AS r
                         WHERE r LIKE 'vendor_error:%' OR r LIKE 'image_unavailable:%' OR r LIKE 'image_forbidden:%'
                            OR r = 'image_invalid:mobileSdkData' OR r = 'request_too_large')
                THEN 'fix_request'
            ELSE 'retry_later'
        END
    END
$$;

-- `decision` is the revision in force; `automated_decision` what the worker decided.
ALTER TABLE verification_results
    ADD COLUMN revision           integer NOT NULL DEFAULT 1,
    ADD COLUMN policy_id          text,
    ADD COLUMN policy_hash        text,
    ADD COLUMN checks             jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN next_action        text,
    ADD COLUMN retryable          boolean,
    ADD COLUMN automated_decision text,
    ADD COLUMN automated_reasons  text[],
    -- The event's `vendor.status` and `vendor.messageCode`, so a revision repeats them exactly.
    ADD COLUMN vendor_status      text,
    ADD COLUMN vendor_message_code text,
    ADD COLUMN reviewed_at        timestamptz,
    ADD COLUMN reviewed_by        text;

UPDATE verification_results SET
    automated_decision = decision,
    automated_reasons = reasons,
    next_action = okayface_next_action(decision, reasons),
    vendor_status = CASE WHEN vendor_message = 'api.success' THEN 'success'
                         WHEN vendor_http_status IS NOT NULL THEN 'error' END,
    vendor_message_code = CASE WHEN vendor_message = 'api.success' THEN vendor_message END;
UPDATE verification_results SET retryable = next_action IN ('retake_photos', 'retry_later', 'fix_request');

-- Fills what a writer left out (an older worker), so every row has its next action and the
-- worker's own decision.
CREATE FUNCTION okayface_result_defaults() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.automated_decision := coalesce(NEW.automated_decision, NEW.decision);
    NEW.automated_reasons := coalesce(NEW.automated_reasons, NEW.reasons);
    NEW.next_action := coalesce(NEW.next_action, okayface_next_action(NEW.decision, NEW.reasons));
    NEW.retryable := coalesce(NEW.retryable, NEW.next_action IN ('retake_photos', 'retry_later', 'fix_request'));
    RETURN NEW;
END
$$;
CREATE TRIGGER verification_results_defaults BEFORE INSERT ON verification_results
    FOR EACH ROW EXECUTE FUNCTION okayface_result_defaults();

ALTER TABLE verification_results
    ALTER COLUMN automated_decision SET NOT NULL,
    ALTER COLUMN next_action SET NOT NULL,
    ADD CONSTRAINT verification_results_automated_decision_check
        CHECK (automated_decision IN ('approved', 'rejected', 'review', 'error')),
    ADD CONSTRAINT verification_results_next_action_check
        CHECK (next_action IN ('proceed', 'stop', 'await_review', 'retake_photos', 'retry_later', 'fix_request'));
CREATE INDEX verification_results_review_idx ON verification_results (processed_at) WHERE decision = 'review';
CREATE INDEX verification_results_next_action_idx ON verification_results (next_action, processed_at);

-- One row per revision of a request's decision; revision 1 is the worker's.
CREATE TABLE decision_history (
    request_id   text NOT NULL,
    revision     integer NOT NULL CHECK (revision >= 1),
    decision     text NOT NULL CHECK (decision IN ('approved', 'rejected', 'review', 'error')),
    reasons      text[] NOT NULL,
    next_action  text NOT NULL,
    retryable    boolean NOT NULL,
    policy_hash  text,
    -- 'automated' for the worker's; a review action (approve, reject, request_retake) for a person's.
    action       text NOT NULL,
    -- 'okayface-worker' or the reviewer the console authenticated.
    actor        text NOT NULL,
    -- The reviewer's words.
    reason       text,
    confirmed_by text,
    review_id    text,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, revision)
);
CREATE INDEX decision_history_recorded_at_idx ON decision_history (recorded_at);

INSERT INTO decision_history (request_id, revision, decision, reasons, next_action, retryable, action, actor, recorded_at)
SELECT request_id, 1, decision, reasons, next_action, retryable, 'automated', 'okayface-worker', processed_at
FROM verification_results;

-- Revision 1 of every decision, whoever wrote the row: the database keeps the history, so a
-- writer cannot forget it.
CREATE FUNCTION okayface_record_first_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO decision_history (request_id, revision, decision, reasons, next_action, retryable, policy_hash, action, actor, recorded_at)
    VALUES (NEW.request_id, NEW.revision, NEW.decision, NEW.reasons, NEW.next_action, NEW.retryable, NEW.policy_hash,
            'automated', 'okayface-worker', NEW.processed_at);
    RETURN NULL;
END
$$;
CREATE TRIGGER verification_results_first_revision AFTER INSERT ON verification_results
    FOR EACH ROW EXECUTE FUNCTION okayface_record_first_revision();

-- A review action waiting for a second reviewer (four eyes). At most one per request.
CREATE TABLE review_proposals (
    review_id   text PRIMARY KEY DEFAULT gen_random_uuid()::text,
    request_id  text NOT NULL,
    on_revision integer NOT NULL,
    action      text NOT NULL CHECK (action IN ('approve', 'reject', 'request_retake')),
    reason      text NOT NULL,
    proposed_by text NOT NULL,
    proposed_at timestamptz NOT NULL DEFAULT now(),
    state       text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'confirmed', 'declined')),
    settled_by  text,
    settled_at  timestamptz
);
CREATE UNIQUE INDEX review_proposals_one_pending_idx ON review_proposals (request_id) WHERE state = 'pending';

-- What reviewers have to do, oldest first: decisions in review and pending four-eyes actions.
CREATE VIEW review_queue AS
SELECT r.request_id, r.subject, r.decision, r.reasons, r.revision, r.processed_at,
       p.review_id, p.action AS proposed_action, p.reason AS proposed_reason, p.proposed_by, p.proposed_at,
       coalesce(p.proposed_at, r.processed_at) AS waiting_since
FROM verification_results r
LEFT JOIN review_proposals p ON p.request_id = r.request_id AND p.state = 'pending'
WHERE r.decision = 'review' OR p.review_id IS NOT NULL;

-- Who did what, when, from where: logins (failed ones too), reviews, confirmations, declines,
-- user and token changes.
CREATE TABLE audit_log (
    id      bigserial PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    actor   text,
    action  text NOT NULL,
    target  text,
    address text,
    detail  jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_target_idx ON audit_log (target);

CREATE FUNCTION okayface_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: its rows are never changed or removed', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER decision_history_append_only BEFORE UPDATE OR DELETE ON decision_history
    FOR EACH ROW EXECUTE FUNCTION okayface_refuse_change();
CREATE TRIGGER decision_history_no_truncate BEFORE TRUNCATE ON decision_history
    FOR EACH STATEMENT EXECUTE FUNCTION okayface_refuse_change();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION okayface_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION okayface_refuse_change();

-- The console's people. Passwords as bcrypt hashes; tokens and sessions as the SHA-256 of
-- the secret, which is shown once and never stored. Back-office readers get no access to
-- these (`okayface-worker grant-reader`).
CREATE TABLE console_users (
    name          text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$'),
    role          text NOT NULL CHECK (role IN ('viewer', 'reviewer', 'admin')),
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    disabled_at   timestamptz
);

CREATE TABLE console_tokens (
    token_hash   text PRIMARY KEY,
    user_name    text NOT NULL REFERENCES console_users (name),
    label        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
CREATE INDEX console_tokens_user_name_idx ON console_tokens (user_name);

CREATE TABLE console_sessions (
    session_hash text PRIMARY KEY,
    user_name    text NOT NULL REFERENCES console_users (name),
    csrf_token   text NOT NULL,
    address      text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX console_sessions_expires_at_idx ON console_sessions (expires_at);
