/// The requests-per-second quota: a token bucket refilled at `rate` per second holding at most
/// one second's worth (at least one token), so short bursts pass and sustained excess is refused.
struct TokenBucket: Sendable {
    let rate: Double
    private let capacity: Double
    private var tokens: Double
    private var refilledAt: ContinuousClock.Instant

    init(rate: Double, now: ContinuousClock.Instant) {
        self.rate = rate
        capacity = max(1, rate)
        tokens = capacity
        refilledAt = now
    }

    /// Whole seconds until a token is there (at least 1): the quota answer's `Retry-After`,
    /// which HTTP gives in whole seconds.
    func retryAfter() -> Int {
        max(1, Int(((1 - tokens) / rate).rounded(.up)))
    }

    /// Takes a token if one is available.
    mutating func take(now: ContinuousClock.Instant) -> Bool {
        tokens = min(capacity, tokens + (now - refilledAt).seconds * rate)
        refilledAt = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
