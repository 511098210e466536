import Verification
import Synchronization

/// A cap on vendor calls per second (`OKAYFACE_MAX_RPS`, `OKAYFACE_BURST`).
public struct RateLimit: Sendable, Equatable {
    /// Calls per second in the long run: at least 0.001 (one call in about 17 minutes).
    public var requestsPerSecond: Double
    /// Calls that may go out at once after a quiet spell; at least 1 (then calls are spaced
    /// evenly, `interval` apart).
    public var burst: Int

    public init(requestsPerSecond: Double, burst: Int = 1) {
        precondition(requestsPerSecond >= 0.001 && requestsPerSecond.isFinite, "a rate limit needs a rate of at least 0.001/s")
        self.requestsPerSecond = requestsPerSecond
        self.burst = max(1, burst)
    }

    /// The time one token takes to come back, rounded up to a nanosecond: never faster than asked.
    public var interval: Duration { .nanoseconds(Int64((1e9 / requestsPerSecond).rounded(.up))) }
}

/// A token bucket that vendor calls pass before they are sent, so the worker stays under the
/// vendor's quota instead of collecting its 429s.
///
/// The bucket holds up to `burst` tokens and gains one every `interval`. Callers that find it
/// empty wait in a first-come, first-served line: only the first in line watches the clock,
/// the others wait to be handed the turn. A cancelled waiter leaves the line at once and takes
/// no token. The clock is a parameter so tests can drive time by hand.
public final class RateLimiter<C: Clock>: Sendable where C.Duration == Duration {
    private typealias Turn = CheckedContinuation<Void, any Error>

    private struct Waiter {
        let id: UInt64
        /// Set while it waits for its turn; resumed when it becomes first in line.
        var turn: Turn?
        /// Cancelled while it held no `turn` to resume: it leaves as soon as it looks.
        var cancelled = false
    }

    private struct State {
        /// The bucket as a time: it holds `(now - emptySince) / interval` tokens, at most
        /// `burst`. Taking a token moves it one interval on. An instant rather than a
        /// fraction of tokens, so waits come out exact.
        var emptySince: C.Instant
        var line: [Waiter] = []
        var lastId: UInt64 = 0

        /// Removes waiter `id`. When it was first in line the next one gets the turn: its
        /// continuation is returned, to be resumed outside the lock.
        mutating func remove(_ id: UInt64) -> Turn? {
            guard let index = line.firstIndex(where: { $0.id == id }) else { return nil }
            line.remove(at: index)
            guard index == 0, !line.isEmpty else { return nil }
            defer { line[0].turn = nil }
            return line[0].turn
        }
    }

    public let limit: RateLimit
    private let clock: C
    private let interval: Duration
    /// How far back tokens accumulate: `burst` intervals.
    private let capacity: Duration
    private let state: Mutex<State>

    /// Starts with a full bucket.
    public init(_ limit: RateLimit, clock: C) {
        self.limit = limit
        self.clock = clock
        interval = limit.interval
        capacity = limit.interval * limit.burst
        state = Mutex(State(emptySince: clock.now.advanced(by: .zero - capacity)))
    }

    /// Callers waiting for a token, for tests and metrics.
    public var waiting: Int { state.withLock { $0.line.count } }

    /// Returns once a call may go out. Throws `CancellationError` when the task is (or gets)
    /// cancelled, without taking a token.
    public func acquire() async throws {
        try Task.checkCancellation()
        let queued: UInt64? = state.withLock { s in
            if s.line.isEmpty, take(&s) == nil { return nil }
            s.lastId += 1
            s.line.append(Waiter(id: s.lastId))
            return s.lastId
        }
        guard let id = queued else { return }

        try await waitForTurn(id)
        // First in line from here on: nobody else takes a token until this waiter leaves.
        while true {
            if Task.isCancelled { try leave(id) }
            let (due, next): (C.Instant?, Turn?) = state.withLock { s in
                if let due = take(&s) { return (due, nil) }
                return (nil, s.remove(id))
            }
            guard let due else {
                next?.resume()
                return
            }
            do { try await clock.sleep(until: due, tolerance: nil) } catch { try leave(id) }
        }
    }

    /// Takes a token when there is one; otherwise returns when the next one comes.
    private func take(_ s: inout State) -> C.Instant? {
        let now = clock.now
        let full = now.advanced(by: .zero - capacity)
        if s.emptySince < full { s.emptySince = full }
        let next = s.emptySince.advanced(by: interval)
        guard next <= now else { return next }
        s.emptySince = next
        return nil
    }

    /// Leaves the line without a token, handing the turn on when it held it, and throws.
    private func leave(_ id: UInt64) throws(CancellationError) -> Never {
        state.withLock { $0.remove(id) }?.resume()
        throw CancellationError()
    }

    /// Returns when waiter `id` is first in line.
    private func waitForTurn(_ id: UInt64) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (turn: Turn) in
                let (ready, next): (Bool?, Turn?) = state.withLock { s in
                    guard let index = s.line.firstIndex(where: { $0.id == id }) else { return (false, nil) }
                    if s.line[index].cancelled { return (false, s.remove(id)) }
                    if index == 0 { return (true, nil) }
                    s.line[index].turn = turn
                    return (nil, nil)
                }
                next?.resume()
                switch ready {
                case true?: turn.resume()
                case false?: turn.resume(throwing: CancellationError())
                case nil: break
                }
            }
        } onCancel: {
            let (cancelled, next): (Turn?, Turn?) = state.withLock { s in
                guard let index = s.line.firstIndex(where: { $0.id == id }) else { return (nil, nil) }
                guard let turn = s.line[index].turn else {
                    // Not parked yet, or just handed the turn: it sees the flag or the
                    // task's cancellation itself.
                    s.line[index].cancelled = true
                    return (nil, nil)
                }
                return (turn, s.remove(id))
            }
            cancelled?.resume(throwing: CancellationError())
            next?.resume()
        }
    }
}

extension RateLimiter where C == ContinuousClock {
    /// A full bucket on the continuous clock.
    public convenience init(_ limit: RateLimit) {
        self.init(limit, clock: ContinuousClock())
    }
}
