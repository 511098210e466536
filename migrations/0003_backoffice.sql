-- Back-office views and the indexes behind `okayface-worker results` and `purge`.

-- The latest decision of each journey (a journey can be verified more than once).
CREATE VIEW latest_decision_per_journey AS
SELECT DISTINCT ON (journey_id)
       journey_id, request_id, subject, decision, reasons, face_confidence, liveness_probability,
       capture_liveness_probability, processed_at
FROM verification_results
WHERE journey_id IS NOT NULL
ORDER BY journey_id, processed_at DESC, request_id DESC;

-- Decisions per UTC day, decision and reason word ('none' for a decision without reasons,
-- so that every decision is counted exactly once per reason it carries).
CREATE VIEW daily_decision_counts AS
SELECT date_trunc('day', processed_at AT TIME ZONE 'UTC')::date AS day, decision, reason, count(*) AS decisions
FROM verification_results
CROSS JOIN LATERAL unnest(CASE WHEN reasons = '{}' THEN ARRAY['none'] ELSE reasons END) AS reason
GROUP BY 1, 2, 3;

CREATE INDEX verification_requests_received_at_idx ON verification_requests (received_at);
CREATE INDEX outbox_sent_at_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL;
