import Pipeline
import Foundation
import Simulator
import TestSupport
import Testing
import Verification

/// `OKAYFACE_MAX_RPS`: the worker keeps under the vendor's quota instead of collecting 429s.
@Suite(.timeLimit(.minutes(2)), .offCooperativePool)
struct VendorRateLimitTests {
    @Test func theWorkerStaysUnderTheVendorQuota() async throws {
        var quota = SimulatorConfiguration()
        quota.maxRequestsPerSecond = 20
        let stack = try await TestStack(simulator: quota)
        let total = 60
        for i in 0..<total {
            let journeyId = try await stack.createJourney()
            try await stack.publish(stack.request(String(format: "rps-%02d", i), journeyId: journeyId))
        }

        let started = ContinuousClock.now
        // All 60 run at once (WORKER_MAX_IN_FLIGHT 64): without the limit they would reach the
        // simulator faster than its 20 per second and collect 429s.
        let worker = try stack.startWorker(["OKAYFACE_MAX_RPS": "15"])
        try await stack.waitForDecisions(total)
        let took = ContinuousClock.now - started

        #expect(try await stack.count("SELECT count(*) FROM verification_results WHERE decision = 'approved'") == total)
        let stats = stack.simulator.stats()
        #expect(stats.okayFaceCalls == total)
        #expect(stats.okayFaceErrors == 0, "the simulator answered \(stats.okayFaceErrors) calls with an error (429)")
        #expect(try await stack.count("SELECT count(*) FROM vendor_calls WHERE attempt = 1 AND http_status = 200") == total)
        // Burst 1 at 15 per second: the 60 calls were let out at least 59 intervals apart.
        let interval = RateLimit(requestsPerSecond: 15).interval
        #expect(took >= interval * (total - 1), "\(total) calls at 15 per second took only \(took)")
        // Had the waits for a token been timed as vendor time, the calls would add up to about
        // 0 + 1 + … + 59 intervals ≈ 118 s; calls to a simulator without latency take milliseconds.
        let vendorTime = try #require(try await stack.query("SELECT sum(duration_ms) AS ms FROM vendor_calls").first?.double("ms"))
        #expect(vendorTime < 30_000, "vendor_calls.duration_ms adds up to \(vendorTime) ms")
        try await worker.stop()
        await stack.close()
    }
}
