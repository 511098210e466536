import Verification
import Synchronization

/// Stops hammering a vendor that keeps failing (README, Delivery guarantees).
///
/// Closed: calls go out. After `failureThreshold` transient failures in a row it opens: no
/// call goes out for `openDuration`; then one probe call is let through (half-open). A good
/// probe closes it; a failed one opens it again for twice as long, up to `maxOpenDuration`.
/// Callers waiting on an open circuit do not spend their retry attempts: an outage delays
/// requests (bounded by the request deadline) instead of turning them all into errors.
public final class CircuitBreaker: Sendable {
    /// The breaker's thresholds.
    public struct Configuration: Sendable, Equatable {
        public var failureThreshold: Int
        public var openDuration: Duration
        public var maxOpenDuration: Duration

        public init(failureThreshold: Int = 10, openDuration: Duration = .seconds(1), maxOpenDuration: Duration = .seconds(30)) {
            self.failureThreshold = max(1, failureThreshold)
            self.openDuration = openDuration
            self.maxOpenDuration = max(openDuration, maxOpenDuration)
        }
    }

    /// Where the breaker stands, for metrics and logs.
    public enum Phase: String, Sendable {
        case closed
        case open
        case halfOpen = "half_open"
    }

    /// Permission to make one call; `isProbe` when it is the half-open probe.
    public struct Permit: Sendable {
        public let isProbe: Bool
        fileprivate let generation: UInt64
    }

    private struct State {
        var phase = Phase.closed
        var consecutiveFailures = 0
        /// When an open circuit lets a probe through, as time on `clock` since the breaker began.
        var reopenAt = Duration.zero
        var currentOpenDuration: Duration
        /// Bumped whenever the circuit opens, so late answers of calls let out earlier
        /// cannot close or re-open it.
        var generation: UInt64 = 0
        var probeOut = false
        /// Calls that got an answer the vendor gave on purpose, ever: a request whose attempts
        /// ran out while others got answers failed for itself, not because of an outage.
        var successes: UInt64 = 0
    }

    private let configuration: Configuration
    private let clock: ElapsedClock
    private let state: Mutex<State>
    /// Called with each phase change (for logs and metrics).
    private let onChange: @Sendable (Phase) -> Void

    /// - Parameter clock: time for the pauses; tests pass one they move by hand.
    public init(
        configuration: Configuration = .init(), clock: some Clock<Duration> & Sendable = ContinuousClock(),
        onChange: @escaping @Sendable (Phase) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.clock = ElapsedClock(clock)
        self.state = Mutex(State(currentOpenDuration: configuration.openDuration))
        self.onChange = onChange
    }

    public var phase: Phase { state.withLock { $0.phase } }

    /// How many calls got an answer the vendor gave on purpose so far.
    public var successCount: UInt64 { state.withLock { $0.successes } }

    /// Evidence from outside the calls (the vendor probe got an answer): the vendor is up, so
    /// an open circuit closes. Not counted in ``successCount``: that says whether OkayFace
    /// Plus itself answers, and a request that keeps failing while others get answers gives up.
    public func noteVendorAnswered() {
        let change: Phase? = state.withLock { s in
            guard s.phase != .closed else { return nil }
            s.phase = .closed
            s.generation += 1
            s.probeOut = false
            s.consecutiveFailures = 0
            s.currentOpenDuration = configuration.openDuration
            return .closed
        }
        if let change { onChange(change) }
    }

    /// Calls are being held back right now: open and not yet due for a probe, or a probe is
    /// out. An open circuit past its pause holds nothing: the next call becomes the probe.
    public var isHoldingCalls: Bool {
        state.withLock { s in
            switch s.phase {
            case .closed: false
            case .open: clock.elapsed() < s.reopenAt
            case .halfOpen: s.probeOut
            }
        }
    }

    /// Waits until a call may go out. Throws only when the task is cancelled.
    public func acquire() async throws -> Permit {
        while true {
            let decision: (Permit?, Duration, Phase?) = state.withLock { s in
                let now = clock.elapsed()
                switch s.phase {
                case .closed:
                    return (Permit(isProbe: false, generation: s.generation), .zero, nil)
                case .open where now >= s.reopenAt:
                    s.phase = .halfOpen
                    s.probeOut = true
                    return (Permit(isProbe: true, generation: s.generation), .zero, .halfOpen)
                case .open:
                    return (nil, s.reopenAt - now, nil)
                case .halfOpen:
                    return (nil, .milliseconds(50), nil)
                }
            }
            if let phase = decision.2 { onChange(phase) }
            if let permit = decision.0 { return permit }
            try await clock.sleep(min(decision.1, .milliseconds(250)))
        }
    }

    /// Whether `permit` still lets a call out: false once the circuit opened after it was
    /// given, so a caller that waited for something else meanwhile (its turn under the rate
    /// limit) asks again instead of calling a vendor the breaker has stopped.
    public func isCurrent(_ permit: Permit) -> Bool {
        state.withLock { permit.generation == $0.generation }
    }

    /// Reports how the permitted call ended: `transientFailure` when it is worth retrying
    /// (the vendor is in trouble), false for any answer the vendor gave on purpose.
    public func record(_ permit: Permit, transientFailure: Bool) {
        let change: Phase? = state.withLock { s in
            if !transientFailure { s.successes += 1 }
            guard permit.generation == s.generation else { return nil }
            if permit.isProbe {
                s.probeOut = false
                if transientFailure {
                    s.currentOpenDuration = min(s.currentOpenDuration * 2, configuration.maxOpenDuration)
                    return open(&s)
                }
                s.phase = .closed
                s.consecutiveFailures = 0
                s.currentOpenDuration = configuration.openDuration
                return .closed
            }
            guard s.phase == .closed else { return nil }
            if !transientFailure {
                s.consecutiveFailures = 0
                return nil
            }
            s.consecutiveFailures += 1
            return s.consecutiveFailures >= configuration.failureThreshold ? open(&s) : nil
        }
        if let change { onChange(change) }
    }

    /// Opens the circuit now, as if the failure threshold had been reached: a request that
    /// spent all its attempts on transient failures says the vendor is in trouble, whatever
    /// the other requests saw. No effect unless closed.
    public func forceOpen() {
        let change: Phase? = state.withLock { s in
            guard s.phase == .closed else { return nil }
            return open(&s)
        }
        if let change { onChange(change) }
    }

    /// A permit given back unused (the caller was cancelled): a probe is re-offered at once.
    public func release(_ permit: Permit) {
        guard permit.isProbe else { return }
        let change: Phase? = state.withLock { s in
            guard permit.generation == s.generation, s.phase == .halfOpen else { return nil }
            s.phase = .open
            s.probeOut = false
            s.reopenAt = clock.elapsed()
            return .open
        }
        if let change { onChange(change) }
    }

    private func open(_ s: inout State) -> Phase {
        s.phase = .open
        s.generation += 1
        s.consecutiveFailures = 0
        s.reopenAt = clock.elapsed() + s.currentOpenDuration
        return .open
    }
}

/// Any clock, reduced to what the breaker needs: time elapsed since it began, and sleeping.
/// Keeps `CircuitBreaker` one type whatever the clock (its users name it everywhere).
struct ElapsedClock: Sendable {
    let elapsed: @Sendable () -> Duration
    let sleep: @Sendable (Duration) async throws -> Void

    init<C: Clock<Duration> & Sendable>(_ clock: C) where C.Instant: Sendable {
        let start = clock.now
        elapsed = { start.duration(to: clock.now) }
        sleep = { try await clock.sleep(for: $0) }
    }
}
