import DevTools
import Foundation
import Simulator
import TestSupport
import Testing
import Worker

/// `OKAYFACE_FLEET_MAX_RPS` with three worker processes (the binary) in one consumer group,
/// against the simulator's quota (`--max-rps`): the fleet stays inside its budget, and a quota
/// lower than the budget costs a few 429s and no decision. How many calls per second the fleet
/// makes, and its busiest single second, are measured by `scripts/bench --replicas 3 --quota 25`
/// (docs/benchmarks.md), not here: on a loaded machine a process descheduled between its grant
/// and its call (or the simulator late to note an arrival) moves a call or two into the next
/// second, so the test holds the fleet to its budget over three seconds at a time.
@Suite(.timeLimit(.minutes(4)), .offCooperativePool, .serialized)
struct FleetBudgetTests {
    struct Run {
        var stats: SimulatorStats
        var errors: Int
        /// The most calls that arrived in any three consecutive seconds.
        var busiestThreeSeconds: Int
    }

    /// Publishes `requests` requests, runs three workers with `budget` until every one is
    /// decided, and stops them gracefully.
    func run(budget: Double, quota: Double, requests: Int) async throws -> Run {
        var simulator = SimulatorConfiguration()
        simulator.maxRequestsPerSecond = quota
        let stack = try await TestStack(simulator: simulator, partitions: 6)
        for i in 0..<requests { try await stack.publish(stack.request(String(format: "fb-%04d", i))) }
        let overrides = ["OKAYFACE_FLEET_MAX_RPS": "\(budget)", "WORKER_MAX_IN_FLIGHT": "32", "LOG_LEVEL": "notice"]
        var workers: [Process] = []
        for n in 1...3 {
            workers.append(try CrashRecoveryTests.launch(stack, overrides, log: stack.scratch + "/fleet-worker-\(n).log"))
        }
        try await stack.waitForDecisions(requests, timeout: .seconds(150))
        for worker in workers { worker.terminate() }
        for worker in workers {
            await worker.exited()
            #expect(worker.terminationStatus == 0)
        }
        let stats = stack.simulator.stats()
        let errors = try await stack.count("SELECT count(*) FROM verification_results WHERE decision = 'error'")
        #expect(try await stack.count("SELECT count(*) FROM verification_results") == requests)
        let row = try await stack.query("SELECT throttles, generation FROM vendor_budget").first
        #expect(row != nil, "the budget's row is there")
        await stack.close()
        let perSecond = stats.okayFaceCallsPerSecond
        let busiest = perSecond.keys.map { second in (0..<3).reduce(0) { $0 + (perSecond[second + $1] ?? 0) } }.max() ?? 0
        return Run(stats: stats, errors: errors, busiestThreeSeconds: busiest)
    }

    @Test("a budget under the quota: no three seconds hold more than the budget allows, no 429, no error")
    func budgetUnderTheQuota() async throws {
        let run = try await run(budget: 20, quota: 25, requests: 240)
        // 3 × 20 granted, one block (2) more from a full bucket, and a few moved in at the edges.
        #expect(run.busiestThreeSeconds <= 3 * 23, "\(run.stats.okayFaceCallsPerSecond.sorted { $0.key < $1.key }.map(\.value))")
        #expect(run.stats.quotaRefusals == 0)
        #expect(run.errors == 0)
    }

    /// The bench measures the share of 429s (0.9% on an idle machine, docs/benchmarks.md); with
    /// a core kept busy the drops come later (a process starved of CPU reports its 429s late, and
    /// each drop waits for a 429 to a call granted after the last one), and CI saw 11%. Without
    /// the budget it was more than half, so the test holds it under a fifth.
    @Test("a quota under the budget: the fleet slows down at the first 429s; few calls are refused and no request ends as an error")
    func quotaUnderTheBudget() async throws {
        let run = try await run(budget: 60, quota: 25, requests: 500)
        let share = Double(run.stats.quotaRefusals) / Double(max(run.stats.okayFaceCalls, 1))
        #expect(share < 0.2, "\(run.stats.quotaRefusals) of \(run.stats.okayFaceCalls) calls answered 429; per second: \(run.stats.okayFaceCallsPerSecond.sorted { $0.key < $1.key }.map(\.value))")
        #expect(run.stats.quotaRefusals > 0, "the quota was never met: the test did not test the drop")
        #expect(run.errors == 0)
    }
}
