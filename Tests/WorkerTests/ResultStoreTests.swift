import Pipeline
import Foundation
import Logging
import Postgres
import TestSupport
import Testing
import Verification
import Worker

/// `PostgresResultStore` batches claims, their releases and decisions into a few statements;
/// these check that batching keeps each caller's answer its own, against a real PostgreSQL.
@Suite(.timeLimit(.minutes(2)), .offCooperativePool)
struct ResultStoreTests {
    static func record(_ requestId: String, decision: Decision = .approved, offset: Int64 = 0) -> VerificationRecord {
        let now = Date()
        let request = VerificationRequested(
            requestId: requestId, journeyId: "journey-\(requestId)",
            images: [.idCard: "file:///x/id.jpg", .best: "file:///x/best.png", .mobileSdkData: "file:///x/sdk.json"],
            subject: "subject-\(requestId)", requestedAt: now)
        let result = VerificationCompleted(
            requestId: requestId, journeyId: "journey-\(requestId)", subject: "subject-\(requestId)",
            decision: decision, reasons: decision == .approved ? [] : [.faceMismatch],
            scores: Scores(faceConfidence: 90, liveness: 0.9, captureLiveness: 0.9, captureLivenessScore: nil),
            thresholds: .vendorRecommended,
            vendor: .init(status: "success", messageCode: "SUCCESS", httpStatus: 200), attempts: 1, processedAt: now)
        let calls = [
            VendorCallRecord(
                endpoint: .okayFacePlus, attempt: 1, startedAt: now, durationMs: 12.5, httpStatus: 500,
                outcome: .transientError, errorCode: "UNEXPECTED_ERROR"),
            VendorCallRecord(
                endpoint: .okayFacePlus, attempt: 2, startedAt: now, durationMs: 10, httpStatus: 200, outcome: .success,
                errorCode: nil),
        ]
        return VerificationRecord(
            request: request, journeyCreated: false,
            source: IncomingMessage(topic: "requests", partition: 1, offset: offset, key: nil, value: [], receivedAt: now)
                .coordinates, result: result,
            vendorCalls: calls, processingRuns: 1, vendorRuns: 1)
    }

    func withStore(_ body: (PostgresResultStore, TestStack) async throws -> Void) async throws {
        let stack = try await TestStack()
        let pool = PostgresPool(url: stack.databaseURL, size: 4, logger: stack.logger)
        let store = PostgresResultStore(pool: pool, resultTopic: "results", writers: 2, logger: stack.logger)
        let writers = Task { await store.runWriters() }
        do {
            try await body(store, stack)
        } catch {
            store.close()
            await writers.value
            pool.close()
            await stack.close()
            throw error
        }
        store.close()
        await writers.value
        pool.close()
        await stack.close()
    }

    @Test func concurrentClaimsEachGetTheirOwnCount() async throws {
        try await withStore { store, stack in
            // 40 distinct requests plus one claimed three times at once.
            let ids = (0..<40).map { "claim-\($0)" } + ["twice", "twice", "twice"]
            let outcomes = try await withThrowingTaskGroup(of: (String, ClaimOutcome).self) { group in
                for id in ids { group.addTask { (id, try await store.claim(requestId: id, worker: "w1")) } }
                return try await group.reduce(into: [(String, ClaimOutcome)]()) { $0.append($1) }
            }
            #expect(outcomes.count == 43)
            for (id, outcome) in outcomes where id != "twice" {
                #expect(outcome == .claimed(runs: 1, earlierVendorRuns: 0), "\(id)")
            }
            let repeated = outcomes.filter { $0.0 == "twice" }.compactMap { outcome -> Int? in
                if case .claimed(let runs, _) = outcome.1 { return runs } else { return nil }
            }
            #expect(repeated.sorted() == [1, 2, 3])

            // Each claim counted its run as one that may call the vendor: the three claims of
            // "twice" answered 0, 1 and 2 earlier vendor runs, in the order of their runs.
            let earlier = outcomes.filter { $0.0 == "twice" }.compactMap { outcome -> [Int]? in
                if case .claimed(let runs, let earlier) = outcome.1 { return [runs, earlier] } else { return nil }
            }
            #expect(earlier.sorted { $0[0] < $1[0] } == [[1, 0], [2, 1], [3, 2]])
            #expect(try await store.claim(requestId: "claim-1", worker: "w2") == .claimed(runs: 2, earlierVendorRuns: 1))

            // A decided request is not claimed again, and its claim row is gone.
            guard case .saved = try await store.save(Self.record("claim-3")) else {
                Issue.record("claim-3 was not saved")
                return
            }
            #expect(try await store.claim(requestId: "claim-3", worker: "w1") == .alreadyDecided)
            #expect(try await stack.count("SELECT count(*) FROM request_claims WHERE request_id = 'claim-3'") == 0)
        }
    }

    /// A released run gives back its count as a run, and its count as a vendor run unless it
    /// reached the vendor; releases of one request at once each count, and never go below zero.
    @Test func releasedClaimsTakeBackTheirRunsAndUnusedVendorRuns() async throws {
        try await withStore { store, stack in
            func counts(_ id: String) async throws -> [Int?] {
                let row = try await stack.query("SELECT runs, vendor_runs FROM request_claims WHERE request_id = \(id)").first
                return [row?.int("runs"), row?.int("vendor_runs")]
            }
            for id in ["idle", "called", "both"] { _ = try await store.claim(requestId: id, worker: "w1") }
            _ = try await store.claim(requestId: "both", worker: "w2")
            #expect(try await counts("both") == [2, 2])

            async let a: Void = store.releaseClaim(requestId: "idle", reachedVendor: false)
            async let b: Void = store.releaseClaim(requestId: "called", reachedVendor: true)
            async let c: Void = store.releaseClaim(requestId: "both", reachedVendor: false)
            async let d: Void = store.releaseClaim(requestId: "both", reachedVendor: true)
            _ = try await (a, b, c, d)
            #expect(try await counts("idle") == [0, 0])
            #expect(try await counts("called") == [0, 1])
            #expect(try await counts("both") == [0, 1])

            // The next run of a request whose earlier run called the vendor hears of it.
            #expect(try await store.claim(requestId: "called", worker: "w2") == .claimed(runs: 1, earlierVendorRuns: 1))
            #expect(try await store.claim(requestId: "idle", worker: "w2") == .claimed(runs: 1, earlierVendorRuns: 0))
            // More releases than runs stop at zero.
            try await store.releaseClaim(requestId: "idle", reachedVendor: false)
            try await store.releaseClaim(requestId: "idle", reachedVendor: false)
            #expect(try await counts("idle") == [0, 0])
        }
    }

    @Test func concurrentSavesWriteEachDecisionOnceWithItsOwnOutboxRow() async throws {
        try await withStore { store, stack in
            // 60 records at once, so the writers batch them; "dup" comes twice with different
            // decisions: exactly one is written, and its outbox row carries that one's payload.
            var records = (0..<60).map { Self.record("save-\($0)", decision: $0 % 3 == 0 ? .rejected : .approved) }
            records.append(Self.record("dup", decision: .approved, offset: 1))
            records.append(Self.record("dup", decision: .rejected, offset: 2))
            let outcomes = try await withThrowingTaskGroup(of: (VerificationRecord, SaveOutcome).self) { group in
                for record in records { group.addTask { (record, try await store.save(record)) } }
                return try await group.reduce(into: [(VerificationRecord, SaveOutcome)]()) { $0.append($1) }
            }
            var saved: [String: (VerificationRecord, OutboxEntry)] = [:]
            for (record, outcome) in outcomes {
                if case .saved(let entry) = outcome {
                    #expect(saved[entry.requestId] == nil, "\(entry.requestId) saved twice")
                    #expect(entry.requestId == record.result.requestId)
                    #expect(entry.payload == record.result.jsonBytes())
                    saved[entry.requestId] = (record, entry)
                }
            }
            #expect(saved.count == 61)
            #expect(outcomes.filter { $0.1 == .alreadyDecided }.map(\.0.result.requestId) == ["dup"])

            #expect(try await stack.count("SELECT count(*) FROM verification_results") == 61)
            #expect(try await stack.count("SELECT count(*) FROM verification_requests") == 61)
            #expect(try await stack.count("SELECT count(*) FROM vendor_calls") == 122)
            #expect(try await stack.count("SELECT count(*) FROM outbox") == 61)
            #expect(try await stack.count("SELECT count(*) FROM verification_results WHERE decision = 'rejected' AND request_id <> 'dup'") == 20)

            // The stored row of "dup" is the record whose outbox entry was returned.
            let dup = try #require(saved["dup"])
            let row = try #require(try await stack.query("""
                SELECT r.decision, q.kafka_offset, o.id, o.payload FROM verification_results r
                JOIN verification_requests q USING (request_id) JOIN outbox o USING (request_id)
                WHERE request_id = 'dup'
                """).first)
            #expect(row.string("decision") == dup.0.result.decision.rawValue)
            #expect(row.int("kafka_offset") == Int(dup.0.source.offset))
            #expect(row.int("id") == Int(dup.1.id))
            #expect(row.string("payload").map { Array($0.utf8) } == dup.1.payload)

            // A later save of a decided request writes nothing.
            #expect(try await store.save(Self.record("save-7", decision: .rejected)) == .alreadyDecided)
            #expect(try await stack.count("SELECT count(*) FROM outbox") == 61)
        }
    }
}
