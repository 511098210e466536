import Foundation
import Pipeline
import Postgres
import Testing
import Verification
@testable import Worker

/// The store's statements read without a server: what is written, in which order, with which
/// values bound. `ResultStoreTests` runs them against PostgreSQL.
struct StoreSQLTests {
    @Test func aBatchInsertWritesEachRequestOnceInRequestIdOrderAndNamesTheOutboxTopic() {
        let records = ["b-2", "a-1", "b-2"].enumerated().map { ResultStoreTests.record($0.element, offset: Int64($0.offset)) }
        let insert = DecisionSQL.insert(records, topic: "results.topic")
        // The first record of each id, sorted by id; the repeat is left out.
        #expect(insert.written == [1, 0])
        let sql = insert.query.sql
        for part in [
            "INSERT INTO verification_results", "ON CONFLICT (request_id) DO NOTHING", "DELETE FROM request_claims",
            "INSERT INTO verification_requests", "INSERT INTO vendor_calls", "INSERT INTO outbox (request_id, topic, payload)",
        ] {
            #expect(sql.contains(part), "the statement lacks \(part)")
        }
        let binds = insert.query.binds
        #expect(binds.filter { $0 == .text("results.topic") }.count == 2, "one outbox row per written request names the topic")
        // The result rows come first, in request-id order.
        #expect(binds.first == .text("a-1"))
        #expect(Set(insert.payloads.keys) == ["a-1", "b-2"])
        let event = insert.payloads["a-1"].flatMap { try? JSONDecoder().decode(VerificationCompleted.self, from: Data($0)) }
        #expect(event?.requestId == "a-1")
    }

    @Test func aDecisionWithoutVendorCallsWritesNoVendorCallRows() {
        var record = ResultStoreTests.record("c-1")
        record.vendorCalls = []
        #expect(!DecisionSQL.insert([record], topic: "t").query.sql.contains("INSERT INTO vendor_calls"))
    }

    @Test func claimsAndReleasesBindTheirIdsAsArrays() {
        let claim = DecisionSQL.claim(requestIds: ["a", "b"], workers: ["w1", "w2"])
        #expect(claim.binds == [.textArray(["a", "b"]), .textArray(["w1", "w2"])])
        #expect(claim.sql.contains("WHERE NOT EXISTS (SELECT 1 FROM verification_results"))
        #expect(claim.sql.contains("ORDER BY i.request_id"))
        #expect(claim.sql.contains("vendor_runs = request_claims.vendor_runs + 1"))
        let release = DecisionSQL.releaseClaims(requestIds: ["a", "a", "b"], notReachingVendor: ["a"])
        #expect(release.binds == [.textArray(["a", "a", "b"]), .textArray(["a"]), .textArray(["a", "a", "b"])])
    }

    @Test func theOutboxRelayReadsEachRowsTopic() {
        let unsent = OutboxSQL.unsent(afterId: 41, olderThanSeconds: 5)
        #expect(unsent.sql.contains("SELECT id, request_id, topic, payload FROM outbox"))
        #expect(unsent.binds == [.int(41), .double(5), .int(500)])
        #expect(OutboxSQL.markSent(ids: [3, 1]).binds == [.textArray(["3", "1"])])
    }

    @Test func resultsBindEveryFilterAndAskForOneRowMore() {
        let since = Date(timeIntervalSince1970: 1_700_000_000)
        let q = BackOfficeSQL.results(ResultsFilter(subject: "s'1", decision: .review, since: since, limit: 20))
        #expect(q.binds == [.text("s'1"), .text("review"), .timestamp(since), .int(21)])
        #expect(q.sql.contains("subject = $1") && q.sql.contains("decision = $2") && q.sql.contains("processed_at >= $3"))
        #expect(q.sql.hasSuffix("ORDER BY processed_at DESC, request_id LIMIT $4"))
        #expect(!q.sql.contains("s'1"), "values are bound, never spliced into the SQL")
    }

    @Test func purgeRemovesNothingInADryRun() {
        let dry = BackOfficeSQL.purge(olderThanSeconds: 86_400, dryRun: true)
        #expect(!dry.sql.contains("DELETE"))
        #expect(dry.binds == [.double(86_400)])
        #expect(BackOfficeSQL.purge(olderThanSeconds: 86_400, dryRun: false).sql.contains("DELETE FROM outbox WHERE sent_at IS NOT NULL"))
    }
}
