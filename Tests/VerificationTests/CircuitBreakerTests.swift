import Pipeline
import Synchronization
import TestSupport
import Testing
import Verification

/// The breaker on a clock moved by hand: pauses are checked to the millisecond, and nothing
/// sleeps in real time.
struct CircuitBreakerTests {
    let clock = ManualClock()

    func breaker(threshold: Int, open: Duration, maxOpen: Duration, onChange: @escaping @Sendable (CircuitBreaker.Phase) -> Void = { _ in })
        -> CircuitBreaker
    {
        CircuitBreaker(
            configuration: .init(failureThreshold: threshold, openDuration: open, maxOpenDuration: maxOpen), clock: clock,
            onChange: onChange)
    }

    /// A task waiting for a permit, and the permit once it got one.
    func waiter(_ breaker: CircuitBreaker) -> Task<CircuitBreaker.Permit, any Error> {
        Task { try await breaker.acquire() }
    }

    @Test func opensAfterTheThresholdAndLetsOneProbeThroughAfterItsPause() async throws {
        let phases = Mutex<[CircuitBreaker.Phase]>([])
        let breaker = breaker(threshold: 3, open: .milliseconds(100), maxOpen: .milliseconds(400)) { phase in
            phases.withLock { $0.append(phase) }
        }
        for _ in 0..<2 { breaker.record(try await breaker.acquire(), transientFailure: true) }
        #expect(breaker.phase == .closed)
        breaker.record(try await breaker.acquire(), transientFailure: false)  // a good answer resets the count
        for _ in 0..<3 { breaker.record(try await breaker.acquire(), transientFailure: true) }
        #expect(breaker.phase == .open)
        #expect(breaker.isHoldingCalls)

        let probe = waiter(breaker)
        try await waitUntil("the caller waits out the pause") { clock.sleepers == 1 }
        clock.advance(by: .milliseconds(99))
        #expect(breaker.phase == .open, "no probe before the pause is over")
        clock.advance(by: .milliseconds(1))
        let permit = try await probe.value
        #expect(permit.isProbe)
        #expect(breaker.phase == .halfOpen)
        breaker.record(permit, transientFailure: false)
        #expect(breaker.phase == .closed)
        #expect(phases.withLock { $0 } == [.open, .halfOpen, .closed])
    }

    @Test func aFailedProbeOpensItForTwiceAsLong() async throws {
        let breaker = breaker(threshold: 1, open: .milliseconds(100), maxOpen: .seconds(1))
        breaker.record(try await breaker.acquire(), transientFailure: true)
        clock.advance(by: .milliseconds(100))
        let probe = try await breaker.acquire()
        #expect(probe.isProbe)
        breaker.record(probe, transientFailure: true)  // still failing: now 200 ms

        let second = waiter(breaker)
        try await waitUntil("the caller waits out the longer pause") { clock.sleepers == 1 }
        clock.advance(by: .milliseconds(150))
        #expect(breaker.isHoldingCalls, "150 ms into a 200 ms pause")
        clock.advance(by: .milliseconds(50))
        #expect(try await second.value.isProbe)
    }

    @Test func onlyOneProbeAtATimeAndLateAnswersAreIgnored() async throws {
        let breaker = breaker(threshold: 1, open: .milliseconds(50), maxOpen: .seconds(1))
        let early = try await breaker.acquire()
        breaker.record(try await breaker.acquire(), transientFailure: true)  // opens
        breaker.record(early, transientFailure: false)  // answer of a call let out before it opened
        #expect(breaker.phase == .open)
        clock.advance(by: .milliseconds(50))
        let probe = try await breaker.acquire()
        let next = waiter(breaker)
        try await waitUntil("the second caller waits for the probe's answer") { clock.sleepers == 1 }
        clock.advance(by: .milliseconds(50))
        try await waitUntil("the second caller asks again and waits again") { clock.sleepers == 1 }
        #expect(breaker.phase == .halfOpen)
        breaker.record(probe, transientFailure: false)
        clock.advance(by: .milliseconds(50))
        #expect(try await !next.value.isProbe)
    }

    @Test func waitingIsCancellable() async throws {
        let breaker = breaker(threshold: 1, open: .seconds(60), maxOpen: .seconds(60))
        breaker.record(try await breaker.acquire(), transientFailure: true)
        let waiting = waiter(breaker)
        try await waitUntil("the caller waits") { clock.sleepers == 1 }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
    }

    @Test func aPermitGoesStaleWhenTheCircuitOpensAfterIt() async throws {
        let breaker = breaker(threshold: 1, open: .milliseconds(50), maxOpen: .seconds(1))
        let waited = try await breaker.acquire()  // e.g. then waits for its turn under the rate limit
        #expect(breaker.isCurrent(waited))
        breaker.record(try await breaker.acquire(), transientFailure: true)  // opens
        #expect(!breaker.isCurrent(waited))
        clock.advance(by: .milliseconds(50))
        let probe = try await breaker.acquire()
        #expect(probe.isProbe)
        #expect(breaker.isCurrent(probe))
        breaker.record(probe, transientFailure: false)
        #expect(breaker.isCurrent(try await breaker.acquire()))
    }
}
