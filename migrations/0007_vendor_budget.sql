-- One vendor budget for the fleet (OKAYFACE_FLEET_MAX_RPS): a token bucket in a row per vendor
-- account, which replicas lease calls from in blocks (a tenth of a second's worth at most),
-- so there is no database round trip per call. The vendor's quota answers lower the fleet's
-- rate at once (x0.7) and it climbs back by 2% of the ceiling per second (AIMD). Each drop
-- starts a new generation; a quota answer to a call granted before the last drop does not
-- drop the rate again, since the drop already answered it.
CREATE TABLE vendor_budget (
    name         text PRIMARY KEY,
    max_rps      double precision NOT NULL,
    rate         double precision NOT NULL,
    tokens       double precision NOT NULL,
    refilled_at  timestamptz NOT NULL,
    generation   bigint NOT NULL DEFAULT 0,
    paused_until timestamptz,
    granted      bigint NOT NULL DEFAULT 0,
    throttles    bigint NOT NULL DEFAULT 0
);

-- The bucket brought to now, locked for the caller's transaction: the rate climbs towards the
-- ceiling, tokens come at the rate (the mean of the climb) up to a tenth of a second's worth
-- (at least one). A ceiling lower than the rate (a changed setting) takes effect at once.
CREATE FUNCTION okayface_vendor_budget_refill(p_budget text, p_ceiling double precision) RETURNS vendor_budget
LANGUAGE plpgsql AS $$
DECLARE
    b vendor_budget;
    t timestamptz := clock_timestamp();
    elapsed double precision;
    before double precision;
    climbed double precision;
BEGIN
    INSERT INTO vendor_budget (name, max_rps, rate, tokens, refilled_at)
    VALUES (p_budget, p_ceiling, p_ceiling, 1, t)
    ON CONFLICT (name) DO NOTHING;
    SELECT * INTO b FROM vendor_budget WHERE name = p_budget FOR UPDATE;
    elapsed := greatest(extract(epoch FROM t - b.refilled_at), 0);
    before := least(b.rate, p_ceiling);
    climbed := least(p_ceiling, before + greatest(p_ceiling * 0.02, 0.5) * elapsed);
    IF b.paused_until IS NOT NULL AND b.paused_until > t THEN
        b.tokens := 0;
    ELSE
        b.tokens := least(greatest(1, ceil(climbed / 10)), b.tokens + elapsed * (before + climbed) / 2);
    END IF;
    b.rate := climbed;
    b.max_rps := p_ceiling;
    b.refilled_at := t;
    RETURN b;
END
$$;

-- A lease of up to p_wanted calls: how many were granted, under which generation, the fleet's
-- rate, and how long until the next call could be granted when fewer than wanted were.
CREATE FUNCTION okayface_vendor_budget_lease(p_budget text, p_ceiling double precision, p_wanted integer)
RETURNS TABLE (granted_calls integer, grant_generation bigint, fleet_rate double precision, wait_seconds double precision)
LANGUAGE plpgsql AS $$
DECLARE
    b vendor_budget := okayface_vendor_budget_refill(p_budget, p_ceiling);
    t timestamptz := clock_timestamp();
    n integer := 0;
BEGIN
    IF b.paused_until IS NOT NULL AND b.paused_until > t THEN
        wait_seconds := extract(epoch FROM b.paused_until - t);
    ELSE
        n := least(p_wanted, floor(b.tokens)::integer);
        b.tokens := b.tokens - n;
        wait_seconds := CASE WHEN n < p_wanted THEN (1 - b.tokens) / b.rate ELSE 0 END;
    END IF;
    UPDATE vendor_budget v
    SET max_rps = b.max_rps, rate = b.rate, tokens = b.tokens, refilled_at = b.refilled_at, granted = v.granted + n
    WHERE v.name = p_budget;
    granted_calls := n;
    grant_generation := b.generation;
    fleet_rate := b.rate;
    RETURN NEXT;
END
$$;

-- A quota answer to a call granted under p_generation: the rate drops (once per generation,
-- never below 0.1/s) and the tokens in hand go; a pause (a long Retry-After) stops all grants
-- until it ends. Answers the fleet's rate after.
CREATE FUNCTION okayface_vendor_budget_throttled(
    p_budget text, p_ceiling double precision, p_generation bigint, p_pause_seconds double precision
) RETURNS double precision
LANGUAGE plpgsql AS $$
DECLARE
    b vendor_budget := okayface_vendor_budget_refill(p_budget, p_ceiling);
    t timestamptz := clock_timestamp();
BEGIN
    IF p_generation >= b.generation THEN
        b.rate := greatest(least(0.1, p_ceiling), b.rate * 0.7);
        b.generation := b.generation + 1;
        b.tokens := 0;
    END IF;
    IF p_pause_seconds > 0 THEN
        b.paused_until := greatest(coalesce(b.paused_until, t), t + make_interval(secs => p_pause_seconds));
    END IF;
    UPDATE vendor_budget v
    SET max_rps = b.max_rps, rate = b.rate, tokens = b.tokens, refilled_at = b.refilled_at, generation = b.generation,
        paused_until = b.paused_until, throttles = v.throttles + 1
    WHERE v.name = p_budget;
    RETURN b.rate;
END
$$;
