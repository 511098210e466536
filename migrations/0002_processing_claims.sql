-- Each time a worker starts on a request it claims it here, before any vendor call, so the
-- next worker to get the same request (after a crash or a rebalance) knows it is not the
-- first: that is how repeated vendor calls are counted and how a request that keeps
-- killing its worker (a poison message) is recognised. The row goes away with the decision,
-- whose request row keeps the final counts.
CREATE TABLE request_claims (
    request_id        text PRIMARY KEY,
    runs              integer NOT NULL DEFAULT 1,
    vendor_runs       integer NOT NULL DEFAULT 0,
    first_claimed_at  timestamptz NOT NULL DEFAULT now(),
    last_claimed_at   timestamptz NOT NULL DEFAULT now(),
    last_worker       text
);

-- How many workers started on the request (1 unless one died or lost its partition), and
-- how many of those reached the vendor: vendor_runs - 1 is the number of repeated calls.
ALTER TABLE verification_requests
    ADD COLUMN processing_runs integer NOT NULL DEFAULT 1,
    ADD COLUMN vendor_runs integer NOT NULL DEFAULT 0;
