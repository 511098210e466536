/// How long a pool thread waits before trying a server that just refused it: doubling from
/// 50 ms to 2 s, so a restart is picked up quickly and a server that is down isn't hammered.
struct ReconnectBackoff {
    static let initial: Duration = .milliseconds(50)
    static let maximum: Duration = .seconds(2)

    private(set) var lastFailure: ContinuousClock.Instant?
    private var delay: Duration = Self.initial

    /// Time still to wait before the next attempt is allowed.
    func remaining(now: ContinuousClock.Instant = .now) -> Duration {
        guard let lastFailure else { return .zero }
        let ready = lastFailure + delay
        return ready > now ? ready - now : .zero
    }

    mutating func failed(now: ContinuousClock.Instant = .now) {
        if lastFailure != nil { delay = min(delay * 2, Self.maximum) }
        lastFailure = now
    }

    mutating func succeeded() {
        lastFailure = nil
        delay = Self.initial
    }
}
