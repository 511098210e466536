import Foundation
import Kafka
import TestSupport
import Testing

/// `requestId` is the idempotency key: ids that only look like ids are refused, and a second
/// event reusing a decided id for another request cannot pass as a redelivery.
@Suite(.timeLimit(.minutes(3)), .offCooperativePool)
struct RequestIdentityTests {
    @Test func blankAndInvisibleIdsAndConflictingDuplicatesGoToTheDeadLetterTopic() async throws {
        let stack = try await TestStack(partitions: 1)
        let worker = try stack.startWorker()
        try await stack.publish(stack.request("zw-001", subject: "customer-1"), key: "k")
        try await stack.waitForDecisions(1)
        let decided = try #require(try await stack.decision("zw-001"))
        #expect(decided.string("decision") == "approved")

        // A redelivery (same content) is skipped; the same id with another subject, or with
        // other images, is a different request and is dead-lettered.
        try await stack.publish(stack.request("zw-001", subject: "customer-1"), key: "k")
        try await stack.publish(stack.request("zw-001", subject: "customer-2"), key: "k")
        try await stack.publish(stack.request("zw-001", best: "images/person2-selfie.png", subject: "customer-1"), key: "k")
        try await stack.publish(stack.request("zw\u{200B}-001"), key: "k")
        try await stack.publish(stack.request("   "), key: "k")
        try await stack.publish(stack.request("after-them"), key: "k")
        try await stack.waitForDecisions(2)

        func sourceOffset(_ m: KafkaMessage) -> Int { Int(m.headers.first { $0.key == "source.offset" }?.text ?? "") ?? -1 }
        let letters = try await stack.deadLetters(expected: 4).sorted { sourceOffset($0) < sourceOffset($1) }
        let described = letters.map { m in
            Dictionary(m.headers.map { ($0.key, $0.text ?? "") }) { a, _ in a }
        }
        #expect(described.map { $0["source.offset"] } == ["2", "3", "4", "5"])
        #expect(described.map { $0["error.code"] } == ["conflicting_duplicate", "conflicting_duplicate", "invalid_field", "invalid_field"])
        #expect(described[0]["error.message"]?.contains("other subject") == true, "\(described[0])")
        #expect(described[1]["error.message"]?.contains("other images.best") == true, "\(described[1])")
        #expect(described[2]["error.message"] == "requestId must not contain invisible format characters (U+200B)")
        #expect(described[3]["error.message"] == "requestId must not contain whitespace (U+0020)")

        // The decision stands, untouched, and no second row or result appeared.
        let after = try #require(try await stack.decision("zw-001"))
        #expect(after.string("subject") == "customer-1")
        #expect(after.string("processed_at") == decided.string("processed_at"))
        #expect(try await stack.count("SELECT count(*) FROM verification_results") == 2)
        #expect(stack.simulator.stats().okayFaceCalls == 2)
        try await worker.stop()
        await stack.close()
    }
}
