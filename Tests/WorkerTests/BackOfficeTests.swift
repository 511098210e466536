import DevTools
import Foundation
import Testing
import Worker

/// `okayface-worker results` and `purge`, run as the binary against real decisions, and the
/// back-office views.
@Suite(.timeLimit(.minutes(3)))
struct BackOfficeTests {
    /// Runs the worker binary with `arguments` against the stack's database.
    func run(_ stack: TestStack, _ arguments: [String]) async throws -> CommandRun {
        try await CommandRun.run(
            CrashRecoveryTests.binary, arguments,
            environment: ["DATABASE_URL": TestStack.withPassword(stack.databaseURL), "PATH": "/usr/bin:/bin"])
    }

    @Test func resultsPurgeAndViews() async throws {
        let stack = try await TestStack()
        let worker = try stack.startWorker()
        let journey = try await stack.createJourney()
        try await stack.publish(stack.request("bo-1", journeyId: journey, subject: "customer-7"))
        try await stack.publish(stack.request("bo-2", sdk: "sdk/liveness-fail.json", journeyId: journey, subject: "customer-7"))
        try await stack.publish(stack.request("bo-3", subject: "customer-8"))
        try await stack.waitForDecisions(3)
        try await worker.stop()

        // JSON for one journey: both of its decisions, newest first, named like the events.
        let byJourney = try await run(stack, ["results", "--journey-id", journey, "--format", "json"])
        #expect(byJourney.status == 0, "\(byJourney.err)")
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(byJourney.out.utf8)) as? [[String: Any]])
        #expect(Set(objects.compactMap { $0["requestId"] as? String }) == ["bo-1", "bo-2"])
        let rejected = try #require(objects.first { $0["requestId"] as? String == "bo-2" })
        #expect(rejected["decision"] as? String == "rejected")
        #expect(rejected["reasons"] as? [String] == ["liveness_failed"])
        #expect((rejected["scores"] as? [String: Any])?["liveness"] as? Double == 0.31)

        // A table, filtered by decision and time.
        let table = try await run(stack, ["results", "--decision", "approved", "--since", "1h"])
        #expect(table.status == 0)
        #expect(table.out.hasPrefix("request_id"))
        #expect(table.out.contains("bo-1") && table.out.contains("bo-3") && !table.out.contains("bo-2"))
        #expect(table.out.hasSuffix("(2 decisions)\n"))
        #expect(try await run(stack, ["results", "--subject", "customer-8", "--format", "json"]).out.contains("\"bo-3\""))
        #expect(try await run(stack, ["results", "--since", "2999-01-01T00:00:00Z"]).out.hasSuffix("(0 decisions)\n"))
        let bad = try await run(stack, ["results", "--decision", "maybe"])
        #expect(bad.status != 0 && bad.err.contains("--decision must be approved, rejected, review or error"))

        // The views.
        let latest = try #require(try await stack.query("SELECT * FROM latest_decision_per_journey WHERE journey_id = \(journey)").first)
        #expect(latest.string("request_id") != nil)
        #expect(try await stack.count(
            "SELECT coalesce(sum(decisions), 0)::int AS count FROM daily_decision_counts WHERE decision = 'approved' AND reason = 'none'") == 2)
        #expect(try await stack.count(
            "SELECT coalesce(sum(decisions), 0)::int AS count FROM daily_decision_counts WHERE reason = 'liveness_failed'") == 1)

        // Purge: two requests made 100 days old go, with their vendor calls and outbox rows;
        // the decisions stay, and so does everything recent.
        let calls = try await stack.count("SELECT count(*) FROM vendor_calls WHERE request_id IN ('bo-1', 'bo-2')")
        _ = try await stack.query("UPDATE verification_requests SET received_at = now() - interval '100 days' WHERE request_id IN ('bo-1', 'bo-2')")
        _ = try await stack.query("UPDATE vendor_calls SET started_at = now() - interval '100 days' WHERE request_id IN ('bo-1', 'bo-2')")
        _ = try await stack.query("UPDATE outbox SET sent_at = now() - interval '100 days' WHERE request_id IN ('bo-1', 'bo-2')")
        let dry = try await run(stack, ["purge", "--older-than", "90d", "--dry-run"])
        #expect(dry.out.hasPrefix("would purge 2 request rows, \(calls) vendor-call rows and 2 published outbox rows"), "\(dry.out)")
        #expect(try await stack.count("SELECT count(*) FROM verification_requests") == 3)
        let purged = try await run(stack, ["purge", "--older-than", "90d"])
        #expect(purged.status == 0)
        #expect(purged.out.hasPrefix("purged 2 request rows, \(calls) vendor-call rows and 2 published outbox rows"), "\(purged.out)")
        #expect(try await stack.count("SELECT count(*) FROM verification_requests") == 1)
        #expect(try await stack.count("SELECT count(*) FROM vendor_calls WHERE request_id IN ('bo-1', 'bo-2')") == 0)
        #expect(try await stack.count("SELECT count(*) FROM verification_results") == 3)
        #expect(try await stack.count("SELECT count(*) FROM outbox") == 1)
        let again = try await run(stack, ["purge", "--older-than", "90d"])
        #expect(again.out.hasPrefix("purged 0 request rows, 0 vendor-call rows and 0 published outbox rows"))
        #expect(try await run(stack, ["purge", "--older-than", "soon"]).status != 0)
        await stack.close()
    }

    @Test func ages() {
        #expect(AgeSpec.parse("90d") == .seconds(90 * 86_400))
        #expect(AgeSpec.parse("12h") == .seconds(43_200))
        #expect(AgeSpec.parse("2w") == .seconds(1_209_600))
        #expect(AgeSpec.parse("0d") == nil)
        #expect(AgeSpec.parse("d") == nil)
        #expect(AgeSpec.parse("10y") == nil)
        #expect(AgeSpec.parse("-5d") == nil)
    }
}
