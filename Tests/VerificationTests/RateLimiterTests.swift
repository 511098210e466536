import TestSupport
import Pipeline
import Synchronization
import Testing
import Verification

/// The token bucket on a clock that moves only when the test says so: what a caller gets at
/// once, what it waits for, in which order, and what cancelling a wait gives back. A lost
/// hand-over of the turn shows as a hang: the time limit turns it into a failure.
@Suite(.timeLimit(.minutes(1)))
struct RateLimiterTests {
    /// 10 per second: one token every 100 ms.
    let tenPerSecond = RateLimit(requestsPerSecond: 10)

    /// Names of the waiters that got a token, in the order they got it.
    final class Granted: Sendable {
        private let names = Mutex<[String]>([])
        func append(_ name: String) { names.withLock { $0.append(name) } }
        var all: [String] { names.withLock { $0 } }
    }

    /// A task waiting for a token that notes its name when it gets one.
    func waiter(_ limiter: RateLimiter<ManualClock>, _ name: String, _ granted: Granted) -> Task<Void, any Error> {
        Task {
            try await limiter.acquire()
            granted.append(name)
        }
    }

    @Test func theIntervalIsRoundedUpNeverDown() {
        #expect(RateLimit(requestsPerSecond: 10).interval == .milliseconds(100))
        #expect(RateLimit(requestsPerSecond: 15).interval == .nanoseconds(66_666_667))
        #expect(RateLimit(requestsPerSecond: 0.5).interval == .seconds(2))
        #expect(RateLimit(requestsPerSecond: 10, burst: 0).burst == 1)
    }

    @Test func tokensComeAtTheRate() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(tenPerSecond, clock: clock)
        try await limiter.acquire()  // a full bucket: at once, the clock never moved

        let granted = Granted()
        let second = waiter(limiter, "second", granted)
        try await waitUntil("the second caller sleeps until its token") { clock.sleepers == 1 }
        clock.advance(by: .milliseconds(99))
        #expect(clock.sleepers == 1)
        #expect(granted.all.isEmpty)
        clock.advance(by: .milliseconds(1))
        try await second.value
        #expect(granted.all == ["second"])

        // Used up again: the next one waits a whole interval.
        let third = waiter(limiter, "third", granted)
        try await waitUntil("the third caller sleeps") { clock.sleepers == 1 }
        clock.advance(by: .milliseconds(100))
        try await third.value
        #expect(limiter.waiting == 0)
    }

    @Test func aQuietSpellFillsTheBucketUpToTheBurstOnly() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(RateLimit(requestsPerSecond: 10, burst: 3), clock: clock)
        for _ in 0..<3 { try await limiter.acquire() }  // the burst, at once

        let granted = Granted()
        let fourth = waiter(limiter, "fourth", granted)
        try await waitUntil("the fourth caller sleeps") { clock.sleepers == 1 }
        clock.advance(by: .milliseconds(100))
        try await fourth.value

        // A long quiet spell refills three tokens, not a hundred.
        clock.advance(by: .seconds(10))
        for _ in 0..<3 { try await limiter.acquire() }
        let after = waiter(limiter, "after the burst", granted)
        try await waitUntil("the caller after the burst sleeps") { clock.sleepers == 1 }
        #expect(limiter.waiting == 1)
        clock.advance(by: .milliseconds(100))
        try await after.value

        // 200 ms refill two.
        clock.advance(by: .milliseconds(200))
        for _ in 0..<2 { try await limiter.acquire() }
        let last = waiter(limiter, "last", granted)
        try await waitUntil("the last caller sleeps") { clock.sleepers == 1 }
        last.cancel()
        await #expect(throws: CancellationError.self) { try await last.value }
    }

    @Test func withoutABurstCallsAreEvenlySpacedEvenAfterAQuietSpell() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(tenPerSecond, clock: clock)
        try await limiter.acquire()
        clock.advance(by: .seconds(10))
        try await limiter.acquire()
        let granted = Granted()
        let next = waiter(limiter, "next", granted)
        try await waitUntil("the next caller sleeps") { clock.sleepers == 1 }
        clock.advance(by: .milliseconds(100))
        try await next.value
    }

    @Test func waitersAreServedInArrivalOrderOnePerToken() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(tenPerSecond, clock: clock)
        try await limiter.acquire()

        let granted = Granted()
        var tasks: [Task<Void, any Error>] = []
        for i in 0..<5 {
            tasks.append(waiter(limiter, "w\(i)", granted))
            try await waitUntil("w\(i) is in line") { limiter.waiting == i + 1 }
        }
        for i in 1...5 {
            try await waitUntil("the first in line sleeps") { clock.sleepers == 1 }
            clock.advance(by: .milliseconds(100))
            try await waitUntil("\(i) granted") { granted.all.count == i }
            #expect(granted.all.count == i)
        }
        for task in tasks { try await task.value }
        #expect(granted.all == ["w0", "w1", "w2", "w3", "w4"])
    }

    @Test func aCancelledWaiterLeavesAtOnceAndTakesNoToken() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(tenPerSecond, clock: clock)
        try await limiter.acquire()

        let granted = Granted()
        let first = waiter(limiter, "first", granted)
        try await waitUntil("first is in line") { limiter.waiting == 1 }
        let middle = waiter(limiter, "middle", granted)
        try await waitUntil("middle is in line") { limiter.waiting == 2 }
        let last = waiter(limiter, "last", granted)
        try await waitUntil("last is in line and first sleeps") { limiter.waiting == 3 && clock.sleepers == 1 }

        // Both leave without the clock moving: cancelling does not wait for a token.
        middle.cancel()
        await #expect(throws: CancellationError.self) { try await middle.value }
        #expect(limiter.waiting == 2)
        first.cancel()
        await #expect(throws: CancellationError.self) { try await first.value }

        // The token the first would have had at 100 ms goes to the last.
        try await waitUntil("last takes the turn and sleeps") { limiter.waiting == 1 && clock.sleepers == 1 }
        clock.advance(by: .milliseconds(100))
        try await last.value
        #expect(granted.all == ["last"])
        #expect(limiter.waiting == 0)
    }

    @Test func aCancelledTaskGetsNoTokenEvenWhenOneIsThere() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(tenPerSecond, clock: clock)
        let cancelled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await limiter.acquire()
        }
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        try await limiter.acquire()  // the one token is still there: no clock move needed
        #expect(clock.sleepers == 0)
    }

    /// Many waiters on the real clock, a third of them cancelled at random moments: every other
    /// one gets its token and nobody is left in line (a lost hand-over would hang here).
    @Test func cancellationsAtRandomMomentsStrandNobody() async throws {
        let limiter = RateLimiter(RateLimit(requestsPerSecond: 2_000))
        let served = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<300 {
                let waiter = Task { try await limiter.acquire() }
                if i % 3 == 0 {
                    group.addTask {
                        try await Task.sleep(for: .microseconds(Int.random(in: 0...50_000)))
                        waiter.cancel()
                        return (try? await waiter.value) != nil
                    }
                } else {
                    group.addTask {
                        try await waiter.value
                        return true
                    }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(served >= 200)
        #expect(limiter.waiting == 0)
    }
}
