import Verification
import Synchronization

/// Whether the vendor accepts our account and configuration, as the worker last saw it.
///
/// A vendor call refused for our own reasons (wrong password, expired key, a wrong base URL:
/// ``OkayFaceAPI`` answers classified as account failures) marks it refused. Requests then wait
/// here instead of being decided (an operator's mistake is never a customer's `error`), the
/// consumer pauses, `/readyz` names the cause, and a probe asks the vendor again with backoff;
/// its first success lets the held requests go on as if nothing happened.
public final class VendorAccess: Sendable {
    /// What the worker knows.
    public enum State: Sendable, Equatable {
        /// No call has answered yet.
        case unknown
        case accepted
        /// Refused for `reason`, e.g. `INCORRECT_PASSWORD` or `HTTP_404 from journeyid`.
        case refused(String)
    }

    private struct Hold {
        var state = State.unknown
        /// Why the last probe got no HTTP answer at all, while nothing has answered yet.
        var unanswered: String?
        var circuitOpen = false
        var heldSince: ContinuousClock.Instant?
        var heldBefore = Duration.zero

        var isRefused: Bool {
            if case .refused = state { return true }
            return false
        }

        var isHeld: Bool { circuitOpen || isRefused }

        /// Starts or ends the running held period after a change.
        mutating func update(now: ContinuousClock.Instant) {
            if isHeld, heldSince == nil { heldSince = now }
            if !isHeld, let since = heldSince {
                heldBefore += now - since
                heldSince = nil
            }
        }
    }

    private let hold = Mutex(Hold())
    private let onChange: @Sendable (State) -> Void

    /// - Parameter onChange: told each change (for logs and metrics), outside the lock.
    public init(onChange: @escaping @Sendable (State) -> Void = { _ in }) {
        self.onChange = onChange
    }

    public var current: State { hold.withLock { $0.state } }

    /// Why the vendor has given no HTTP answer at all since start-up (a wrong host or port in
    /// the base URL looks like this, and so does an outage at start-up); nil once anything
    /// answered.
    public var unanswered: String? { hold.withLock { $0.state == .unknown ? $0.unanswered : nil } }

    /// A probe got no HTTP answer (connection refused, timed out).
    public func noteNoAnswer(_ why: String) { hold.withLock { $0.unanswered = why } }

    public var isRefused: Bool { hold.withLock { $0.isRefused } }

    public func refuse(_ reason: String) { set(.refused(reason)) }

    /// Called after every answered call: one lock and nothing else when nothing changes.
    public func accept() { set(.accepted) }

    private func set(_ new: State) {
        let changed = hold.withLock { h in
            guard h.state != new else { return false }
            h.state = new
            h.update(now: .now)
            return true
        }
        if changed { onChange(new) }
    }

    /// Told by the circuit breaker: while it is not closed, calls wait and no deadline runs.
    public func circuitChanged(open: Bool) {
        hold.withLock {
            $0.circuitOpen = open
            $0.update(now: .now)
        }
    }

    /// Calls are held back: the vendor refuses us, or the circuit is open.
    public var isHeld: Bool { hold.withLock { $0.isHeld } }

    /// How long calls have been held back in all, up to `now`: a request's deadline is
    /// extended by the part of it that passed while the request was running, so an outage
    /// delays requests instead of deciding them.
    public func heldTime(at now: ContinuousClock.Instant = .now) -> Duration {
        hold.withLock { h in h.heldBefore + (h.heldSince.map { now - $0 } ?? .zero) }
    }

    /// Returns once the vendor is no longer known to refuse us; throws only when the task is
    /// cancelled (shutdown: the request is then redelivered to the next worker).
    public func waitWhileRefused() async throws {
        while isRefused {
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
