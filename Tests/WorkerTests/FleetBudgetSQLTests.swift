import Foundation
import Postgres
import TestSupport
import Testing
@testable import Worker

/// The vendor budget's arithmetic (migration 0007's functions) on PostgreSQL: grants never
/// exceed a block, a quota answer drops the rate once per generation, a long `Retry-After`
/// pauses every grant, and a lower ceiling takes effect at once.
@Suite(.timeLimit(.minutes(2)), .offCooperativePool)
struct FleetBudgetSQLTests {
    @Test func leasesThrottlesAndPauses() async throws {
        let stack = try await TestStack()
        func lease(_ ceiling: Double, _ wanted: Int) async throws -> PostgresRow {
            try #require(try await stack.query(FleetBudgetSQL.lease(budget: "okayface:t", ceiling: ceiling, wanted: wanted)).first)
        }
        func throttle(_ generation: Int64, pause: Double = 0) async throws -> Double {
            try #require(try await stack.query(
                FleetBudgetSQL.throttled(budget: "okayface:t", ceiling: 20, generation: generation, pauseSeconds: pause)).first?.double("rate"))
        }

        // A fresh budget holds one call; a block is a tenth of a second of the rate (2 at 20/s).
        let first = try await lease(20, 100)
        #expect(first.int("granted_calls") == 1 && first.int("grant_generation") == 0 && first.double("fleet_rate") == 20)
        #expect((first.double("wait_seconds") ?? 0) > 0 && (first.double("wait_seconds") ?? 1) <= 0.05)
        let grantedNext = try await lease(20, 100).int("granted_calls") ?? -1
        #expect(grantedNext <= 2)

        // A quota answer under generation 0 drops the rate to 70%; another under it does not.
        #expect(abs(try await throttle(0) - 14) < 0.2)
        #expect(try await throttle(0) < 14.5)
        let after = try await lease(20, 1)
        #expect(after.int("grant_generation") == 1)

        // A long Retry-After (generation 1): nothing is granted until it ends.
        _ = try await throttle(1, pause: 30)
        let paused = try await lease(20, 5)
        #expect(paused.int("granted_calls") == 0 && (paused.double("wait_seconds") ?? 0) > 25)
        #expect(try await stack.count("SELECT throttles AS count FROM vendor_budget") == 3)
        #expect(try await stack.count("SELECT generation AS count FROM vendor_budget") == 2)

        // A lower ceiling (a changed setting) takes effect at the next lease.
        #expect((try await lease(5, 1).double("fleet_rate") ?? 99) <= 5)
        await stack.close()
    }
}
