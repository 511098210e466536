import Pipeline
import Synchronization
import Testing
import Verification

struct CircuitBreakerTests {
    @Test func opensAfterTheThresholdAndLetsOneProbeThrough() async throws {
        let phases = Mutex<[CircuitBreaker.Phase]>([])
        let breaker = CircuitBreaker(
            configuration: .init(failureThreshold: 3, openDuration: .milliseconds(100), maxOpenDuration: .milliseconds(400))
        ) { phase in phases.withLock { $0.append(phase) } }

        for _ in 0..<2 { breaker.record(try await breaker.acquire(), transientFailure: true) }
        #expect(breaker.phase == .closed)
        breaker.record(try await breaker.acquire(), transientFailure: false)  // a good answer resets the count
        for _ in 0..<3 { breaker.record(try await breaker.acquire(), transientFailure: true) }
        #expect(breaker.phase == .open)

        let opened = ContinuousClock.now
        let probe = try await breaker.acquire()
        #expect(probe.isProbe)
        #expect(ContinuousClock.now - opened >= .milliseconds(90))
        #expect(breaker.phase == .halfOpen)
        breaker.record(probe, transientFailure: false)
        #expect(breaker.phase == .closed)
        #expect(phases.withLock { $0 } == [.open, .halfOpen, .closed])
    }

    @Test func aFailedProbeOpensItForLonger() async throws {
        let breaker = CircuitBreaker(
            configuration: .init(failureThreshold: 1, openDuration: .milliseconds(100), maxOpenDuration: .seconds(1)))
        breaker.record(try await breaker.acquire(), transientFailure: true)
        let probe = try await breaker.acquire()
        breaker.record(probe, transientFailure: true)  // still failing: now 200 ms
        let reopened = ContinuousClock.now
        let second = try await breaker.acquire()
        #expect(second.isProbe)
        #expect(ContinuousClock.now - reopened >= .milliseconds(190))
    }

    @Test func onlyOneProbeAtATimeAndLateAnswersAreIgnored() async throws {
        let breaker = CircuitBreaker(
            configuration: .init(failureThreshold: 1, openDuration: .milliseconds(50), maxOpenDuration: .seconds(1)))
        let early = try await breaker.acquire()
        breaker.record(try await breaker.acquire(), transientFailure: true)  // opens
        breaker.record(early, transientFailure: false)  // answer of a call let out before it opened
        #expect(breaker.phase == .open)
        let probe = try await breaker.acquire()
        let waiter = Task { try await breaker.acquire() }
        try await Task.sleep(for: .milliseconds(150))
        #expect(breaker.phase == .halfOpen)  // the waiter is still waiting for the probe
        breaker.record(probe, transientFailure: false)
        let next = try await waiter.value
        #expect(!next.isProbe)
    }

    @Test func waitingIsCancellable() async throws {
        let breaker = CircuitBreaker(
            configuration: .init(failureThreshold: 1, openDuration: .seconds(60), maxOpenDuration: .seconds(60)))
        breaker.record(try await breaker.acquire(), transientFailure: true)
        let waiter = Task { try await breaker.acquire() }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
    }

    @Test func aPermitGoesStaleWhenTheCircuitOpensAfterIt() async throws {
        let breaker = CircuitBreaker(
            configuration: .init(failureThreshold: 1, openDuration: .milliseconds(50), maxOpenDuration: .seconds(1)))
        let waited = try await breaker.acquire()  // e.g. then waits for its turn under the rate limit
        #expect(breaker.isCurrent(waited))
        breaker.record(try await breaker.acquire(), transientFailure: true)  // opens
        #expect(!breaker.isCurrent(waited))
        let probe = try await breaker.acquire()
        #expect(probe.isProbe)
        #expect(breaker.isCurrent(probe))
        breaker.record(probe, transientFailure: false)
        #expect(breaker.isCurrent(try await breaker.acquire()))
    }
}
