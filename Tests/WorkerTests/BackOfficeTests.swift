import DevTools
import Foundation
import TestSupport
import Testing
import Worker

/// `okayface-worker results` and `purge`, run as the binary against real decisions, and the
/// back-office views.
@Suite(.timeLimit(.minutes(3)), .offCooperativePool)
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

    /// The operator's slips: a minute read as a month, a window that ends before it starts, a
    /// limit that hides rows. Each is refused or said, never answered with a silent empty list.
    @Test func slipsAreRefusedOrSaid() async throws {
        let stack = try await TestStack()
        let worker = try stack.startWorker()
        for n in 1...3 { try await stack.publish(stack.request("slip-\(n)", subject: n == 3 ? "=HYPERLINK(\"x\")" : "customer,\(n)")) }
        try await stack.waitForDecisions(3)
        try await worker.stop()

        let minute = try await run(stack, ["purge", "--older-than", "1m"])
        #expect(minute.status != 0 && minute.err.contains("under one day"), "\(minute.err)")
        #expect(try await stack.count("SELECT count(*) FROM verification_requests") == 3)
        let years = try await run(stack, ["purge", "--older-than", "5y", "--dry-run"])
        #expect(years.status == 0 && years.out.hasPrefix("would purge 0 request rows"), "\(years.out) \(years.err)")

        let empty = try await run(stack, ["results", "--since", "5m", "--until", "10m"])
        #expect(empty.status != 0 && empty.err.contains("the window is empty"), "\(empty.err)")

        let cut = try await run(stack, ["results", "--limit", "2"])
        #expect(cut.status == 0)
        #expect(cut.out.hasSuffix("(2 decisions shown; more decisions match: only the newest 2 are shown (raise --limit or narrow the filters))\n"), "\(cut.out)")
        let whole = try await run(stack, ["results", "--limit", "3"])
        #expect(whole.out.hasSuffix("(3 decisions)\n"), "\(whole.out)")
        let cutJSON = try await run(stack, ["results", "--limit", "1", "--format", "json"])
        #expect(cutJSON.err.contains("more decisions match"))
        #expect((try JSONSerialization.jsonObject(with: Data(cutJSON.out.utf8)) as? [Any])?.count == 1)

        // JSON named like the result events.
        let json = try await run(stack, ["results", "--request-id", "slip-1", "--format", "json"])
        let object = try #require((try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [[String: Any]])?.first)
        let thresholds = try #require(object["thresholds"] as? [String: Double])
        #expect(thresholds == ["faceConfidence": 75, "liveness": 0.5, "captureLiveness": 0.5])
        let vendor = try #require(object["vendor"] as? [String: Any])
        #expect(vendor["httpStatus"] as? Int == 200)
        #expect(vendor["messageCode"] as? String == "api.success")
        #expect(vendor["message"] == nil)
        #expect(object["revision"] as? Int == 1 && object["nextAction"] as? String == "proceed" && object["retryable"] as? Bool == false)
        #expect((object["policy"] as? [String: String])?["id"] == "default" && (object["checks"] as? [Any])?.count == 3)

        // CSV: quoted where needed, formulas defused, CRLF lines.
        let csv = try await run(stack, ["results", "--format", "csv"])
        #expect(csv.status == 0, "\(csv.err)")
        let lines = csv.out.components(separatedBy: "\r\n")
        #expect(lines.first == "request_id,journey_id,subject,decision,reasons,confidence,liveness,capture,attempts,processed_at,next_action,revision")
        #expect(lines.count == 5 && lines.last == "")
        #expect(lines.contains { $0.hasPrefix("slip-1,") && $0.contains(",\"customer,1\",approved,") })
        #expect(lines.contains { $0.hasPrefix("slip-3,") && $0.contains(",\"'=HYPERLINK(\"\"x\"\")\",approved,") }, "\(lines)")
        #expect(try await run(stack, ["results", "--format", "xml"]).err.contains("--format must be table, json or csv"))
        await stack.close()
    }

    /// `migrate` reads the database URL like every other command: compose gives it only the file form.
    @Test func migrateReadsTheDatabaseURLFromAFile() async throws {
        let database = try await TestStack.blankDatabase()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("db-url-\(UUID().uuidString)").path
        try Data((TestStack.withPassword(database) + "\n").utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let environment = ["DATABASE_URL_FILE": file, "PATH": "/usr/bin:/bin"]
        let first = try await CommandRun.run(
            CrashRecoveryTests.binary, ["migrate"], environment: environment, directory: TestStack.root)
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.hasPrefix("migrations: applied 1, 2, 3"), "\(first.out)")
        let second = try await CommandRun.run(
            CrashRecoveryTests.binary, ["migrate"], environment: environment, directory: TestStack.root)
        #expect(second.out == "migrations: up to date\n", "\(second.out) \(second.err)")
        let both = try await CommandRun.run(
            CrashRecoveryTests.binary, ["migrate"], environment: environment.merging(["DATABASE_URL": database]) { a, _ in a },
            directory: TestStack.root)
        #expect(both.status == 78 && both.err.contains("DATABASE_URL and DATABASE_URL_FILE are both set"), "\(both.err)")
        let nowhere = try await CommandRun.run(
            CrashRecoveryTests.binary, ["migrate"], environment: environment.merging(["MIGRATIONS_DIR": "/nonexistent/migrations"]) { a, _ in a })
        #expect(nowhere.status == 78, "\(nowhere.err)")
        #expect(nowhere.err.hasPrefix("configuration error: MIGRATIONS_DIR: no migrations folder at /nonexistent/migrations"), "\(nowhere.err)")
    }

    @Test func ages() {
        #expect(AgeSpec.parse("90d") == .seconds(90 * 86_400))
        #expect(AgeSpec.parse("12h") == .seconds(43_200))
        #expect(AgeSpec.parse("2w") == .seconds(1_209_600))
        #expect(AgeSpec.parse("0d") == nil)
        #expect(AgeSpec.parse("d") == nil)
        #expect(AgeSpec.parse("10y") == .seconds(10 * 365 * 86_400))
        #expect(AgeSpec.parse("101y") == nil)
        #expect(AgeSpec.parse("-5d") == nil)
    }
}
