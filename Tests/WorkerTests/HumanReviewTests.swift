import Console
import Digest
import Foundation
import Postgres
import TestSupport
import Testing
import Verification
import WebClient
import Worker

/// Human review through the console's JSON API (README, Human review), against the worker's
/// real decisions in PostgreSQL and the results topic of the mock cluster: every status code
/// of the API, four eyes, revisions on the topic, racing reviewers, the append-only tables.
@Suite(.timeLimit(.minutes(4)), .offCooperativePool)
struct HumanReviewTests {
    @Test("every answer of the review API, and revision 2 on the results topic with the reviewer the console authenticated")
    func statusCodesAndThePublishedRevision() async throws {
        let c = try await ConsoleStack()
        let alice = try await c.user("alice", .reviewer)
        let vera = try await c.user("vera", .viewer)

        // 401: no credential, a wrong token, a malformed header.
        #expect(try await c.call("GET", "/api/v1/decisions").status == 401)
        let badToken = try await c.call("GET", "/api/v1/decisions", token: "okf_not-a-token")
        #expect(badToken.status == 401 && badToken.errorCode == "unauthenticated")
        #expect(badToken.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
        #expect(try await c.call("GET", "/api/v1/decisions", headers: [.init(name: "Authorization", value: "Basic YTpi")]).status == 401)
        #expect(try await c.call("POST", "/api/v1/decisions/r-approved/reviews", json: ConsoleStack.review("reject")).status == 401)

        // A viewer reads everything and changes nothing: 403 for every action.
        let list = try await c.call("GET", "/api/v1/decisions", token: vera)
        #expect(list.status == 200)
        let listed = try #require(list.json["decisions"] as? [[String: Any]])
        #expect(Set(listed.compactMap { $0["requestId"] as? String }) == Set(ConsoleStack.decided.keys))
        for (id, decision) in ConsoleStack.decided {
            let row = try #require(listed.first { $0["requestId"] as? String == id })
            #expect(row["decision"] as? String == decision && row["automatedDecision"] as? String == decision && row["revision"] as? Int == 1)
        }
        let viewerReview = try await c.call("POST", "/api/v1/decisions/r-approved/reviews", token: vera, json: ConsoleStack.review("reject"))
        #expect(viewerReview.status == 403 && viewerReview.errorCode == "forbidden")
        #expect(try await c.call("POST", "/api/v1/reviews/\(UUID().uuidString.lowercased())/confirm", token: vera).status == 403)
        #expect(try await c.call("POST", "/api/v1/reviews/\(UUID().uuidString.lowercased())/decline", token: vera).status == 403)

        // 404: no such request, no such review.
        #expect(try await c.call("GET", "/api/v1/decisions/r-nothing", token: vera).status == 404)
        let missing = try await c.call("POST", "/api/v1/decisions/r-nothing/reviews", token: alice, json: ConsoleStack.review("reject"))
        #expect(missing.status == 404 && missing.errorCode == "not_found")
        #expect(try await c.call("POST", "/api/v1/reviews/\(UUID().uuidString.lowercased())/confirm", token: alice).status == 404)
        #expect(try await c.call("POST", "/api/v1/reviews/not-a-uuid/decline", token: alice).status == 404)

        // 400 for a body that is not a JSON object; 422 naming what is wrong in one that is.
        #expect(try await c.call("POST", "/api/v1/decisions/r-approved/reviews", token: alice, json: "not json").status == 400)
        #expect(try await c.call("POST", "/api/v1/decisions/r-approved/reviews", token: alice, json: "[1]").status == 400)
        let noReason = try await c.call(
            "POST", "/api/v1/decisions/r-approved/reviews", token: alice, json: #"{"action":"reject","expectedRevision":1}"#)
        #expect(noReason.status == 422 && noReason.errorCode == "reason_missing")
        let blankReason = try await c.call("POST", "/api/v1/decisions/r-approved/reviews", token: alice, json: ConsoleStack.review("reject", reason: "  "))
        #expect(blankReason.status == 422 && blankReason.errorCode == "reason_missing")
        let longReason = try await c.call(
            "POST", "/api/v1/decisions/r-approved/reviews", token: alice, json: ConsoleStack.review("reject", reason: String(repeating: "x", count: 2_001)))
        #expect(longReason.status == 422 && longReason.errorCode == "reason_too_long")
        let unknown = try await c.call("POST", "/api/v1/decisions/r-approved/reviews", token: alice, json: ConsoleStack.review("delete"))
        #expect(unknown.status == 422 && unknown.errorCode == "unknown_action")
        let noRevision = try await c.call(
            "POST", "/api/v1/decisions/r-approved/reviews", token: alice, json: #"{"action":"reject","reason":"x","expectedRevision":"1"}"#)
        #expect(noRevision.status == 422 && noRevision.errorCode == "expected_revision_missing")

        // 201: the new revision, published. The body's `reviewer` changes nothing.
        let rejected = try await c.call(
            "POST", "/api/v1/decisions/r-approved/reviews", token: alice,
            json: #"{"action":"reject","reason":"fraud found after approval","expectedRevision":1,"reviewer":"mallory"}"#)
        #expect(rejected.status == 201, "\(rejected.text)")
        #expect(rejected.json["revision"] as? Int == 2 && rejected.json["decision"] as? String == "rejected")
        #expect(rejected.json["nextAction"] as? String == "stop" && rejected.json["retryable"] as? Bool == false)
        let review = try #require(rejected.json["review"] as? [String: Any])
        #expect(review["reviewer"] as? String == "alice" && review["action"] as? String == "reject" && review["confirmedBy"] is NSNull)

        // 409: a second action on the revision that is no longer in force.
        let stale = try await c.call("POST", "/api/v1/decisions/r-approved/reviews", token: alice, json: ConsoleStack.review("approve"))
        #expect(stale.status == 409 && stale.errorCode == "stale_revision")
        #expect((stale.json["error"] as? [String: Any])?["currentRevision"] as? Int == 2)

        // The row is revision 2 and keeps the worker's decision; the history holds both.
        let row = try #require(try await c.stack.decision("r-approved"))
        #expect(row.string("decision") == "rejected" && row.string("automated_decision") == "approved" && row.int("revision") == 2)
        #expect(row.string("reviewed_by") == "alice" && row.string("next_action") == "stop")
        let history = try await c.stack.query(
            "SELECT revision, decision, action, actor, reason FROM decision_history WHERE request_id = 'r-approved' ORDER BY revision")
        #expect(history.map { $0.string("decision") ?? "" } == ["approved", "rejected"])
        #expect(history.map { $0.string("actor") ?? "" } == ["okayface-worker", "alice"])
        #expect(history.last?.string("reason") == "fraud found after approval")

        // The results topic: revision 1 from the worker, then 2 with the review, same key; it
        // matches the published schema.
        let events = try await c.events(of: "r-approved", expected: 2)
        let second = try #require(events.first { $0["revision"] as? Int == 2 })
        #expect((second["review"] as? [String: Any])?["reviewer"] as? String == "alice")
        #expect(events.first { $0["revision"] as? Int == 1 }?["decision"] as? String == "approved")
        let line = String(decoding: try JSONSerialization.data(withJSONObject: second), as: UTF8.self)
        let check = try await ContractTests().check("results", [line], in: c.stack.scratch)
        #expect(check.0 == 0, "\(check.1)")

        // The policy: every event and row names it, and it is stored once, hashed as it says.
        let policyHash = try #require((second["policy"] as? [String: Any])?["hash"] as? String)
        var thresholds = Thresholds.vendorRecommended
        thresholds.livenessReviewBand = 0.2  // the stack's REVIEW_BAND_LIVENESS
        #expect(policyHash == DecisionPolicy(thresholds: thresholds).hash)
        let policies = try await c.stack.query("SELECT hash, policy_id, canonical FROM decision_policies")
        #expect(policies.count == 1 && policies.first?.string("hash") == policyHash && policies.first?.string("policy_id") == "default")
        #expect(policies.first.map { "sha256:" + SHA256.hex(Array(($0.string("canonical") ?? "").utf8)) } == policyHash)
        #expect(try await c.stack.count("SELECT count(*) FROM verification_results WHERE policy_hash = \(policyHash)") == ConsoleStack.decided.count)

        // One decision with its history, checks and vendor calls.
        let one = try await c.call("GET", "/api/v1/decisions/r-approved", token: vera)
        #expect(one.status == 200)
        #expect((one.json["history"] as? [[String: Any]])?.count == 2)
        #expect(((one.json["decision"] as? [String: Any])?["checks"] as? [[String: Any]])?.count == 3)
        #expect(((one.json["vendorCalls"] as? [[String: Any]])?.count ?? 0) >= 2)

        // A redelivered original request never overwrites the reviewed decision: the worker
        // skips it (a request with the same key, published after it, is decided after it).
        let worker = try c.stack.startWorker()
        try await c.stack.publish(c.stack.request("r-approved", subject: "customer-1"), key: "redelivery")
        try await c.stack.publish(c.stack.request("r-after-redelivery"), key: "redelivery")
        try await c.stack.waitUntil("the request after the redelivery is decided") { try await c.stack.decision("r-after-redelivery") != nil }
        try await worker.stop()
        let after = try #require(try await c.stack.decision("r-approved"))
        #expect(after.string("decision") == "rejected" && after.int("revision") == 2)
        #expect(try await c.stack.count("SELECT count(*) FROM decision_history WHERE request_id = 'r-approved'") == 2)

        // request_retake: rejected, and the customer is asked to capture again.
        let retake = try await c.call(
            "POST", "/api/v1/decisions/r-review/reviews", token: alice, json: ConsoleStack.review("request_retake", reason: "selfie blurred"))
        #expect(retake.status == 201 && retake.json["decision"] as? String == "rejected")
        #expect(retake.json["nextAction"] as? String == "retake_photos" && retake.json["retryable"] as? Bool == true)
        try await c.close()
    }

    @Test("four eyes: approving a rejection waits for a second reviewer; the proposer cannot settle it; a decline leaves the decision")
    func fourEyes() async throws {
        let c = try await ConsoleStack()
        let alice = try await c.user("alice", .reviewer)
        let bob = try await c.user("bob", .admin)

        for id in ["r-rejected", "r-error"] {
            let proposed = try await c.call(
                "POST", "/api/v1/decisions/\(id)/reviews", token: alice, json: ConsoleStack.review("approve", reason: "customer contested"))
            #expect(proposed.status == 202, "\(proposed.text)")
            let reviewId = try #require(proposed.json["reviewId"] as? String)
            #expect(proposed.json["state"] as? String == "pending")
            // Still in force, and in the queue as pending; no second action meanwhile.
            #expect(try await c.stack.decision(id)?.string("decision") == ConsoleStack.decided[id])
            let queue = try await c.call("GET", "/api/v1/review-queue", token: bob)
            let item = try #require((queue.json["items"] as? [[String: Any]])?.first { $0["requestId"] as? String == id })
            #expect((item["pendingReview"] as? [String: Any])?["reviewId"] as? String == reviewId)
            let blocked = try await c.call("POST", "/api/v1/decisions/\(id)/reviews", token: bob, json: ConsoleStack.review("reject"))
            #expect(blocked.status == 409 && blocked.errorCode == "review_pending")
            // The proposer may not confirm or decline their own action.
            let own = try await c.call("POST", "/api/v1/reviews/\(reviewId)/confirm", token: alice)
            #expect(own.status == 403 && own.errorCode == "forbidden")
            #expect(try await c.call("POST", "/api/v1/reviews/\(reviewId)/decline", token: alice).status == 403)

            if id == "r-error" {
                // Declined: nothing changes, and it cannot be settled twice.
                #expect(try await c.call("POST", "/api/v1/reviews/\(reviewId)/decline", token: bob).status == 201)
                #expect(try await c.stack.decision(id)?.int("revision") == 1)
                let again = try await c.call("POST", "/api/v1/reviews/\(reviewId)/confirm", token: bob)
                #expect(again.status == 409 && again.errorCode == "review_settled")
                continue
            }
            let confirmed = try await c.call("POST", "/api/v1/reviews/\(reviewId)/confirm", token: bob)
            #expect(confirmed.status == 201, "\(confirmed.text)")
            #expect(confirmed.json["decision"] as? String == "approved" && confirmed.json["revision"] as? Int == 2)
            let review = try #require(confirmed.json["review"] as? [String: Any])
            #expect(review["reviewer"] as? String == "alice" && review["confirmedBy"] as? String == "bob")
            let events = try await c.events(of: id, expected: 2)
            #expect((events.first { $0["revision"] as? Int == 2 }?["review"] as? [String: Any])?["confirmedBy"] as? String == "bob")
        }
        // Reject of an approval needs no second reviewer under `approvals`.
        #expect(try await c.call("POST", "/api/v1/decisions/r-approved/reviews", token: alice, json: ConsoleStack.review("reject")).status == 201)

        // Reviews by action and step, on the console's /metrics.
        let metrics = try await c.call("GET", "/metrics").text
        for series in [#"action="approve",step="proposed""#, #"action="approve",step="confirmed""#, #"action="approve",step="declined""#,
                       #"action="reject",step="applied""#] {
            #expect(metrics.contains("okayface_reviews_total{\(series)}"), "\(series)")
        }

        let audit = try await c.stack.query("SELECT actor, action, target, address FROM audit_log WHERE action LIKE 'review%' ORDER BY id")
        #expect(audit.map { "\($0.string("actor") ?? "") \($0.string("action") ?? "") \($0.string("target") ?? "")" } == [
            "alice review_proposed r-rejected", "bob review_confirmed r-rejected",
            "alice review_proposed r-error", "bob review_declined r-error", "alice review r-approved",
        ])
        #expect(audit.allSatisfy { $0.string("address") == "127.0.0.1" })
        try await c.close()
    }

    @Test("two reviewers racing on one decision: exactly one wins, the others get 409")
    func racingReviewers() async throws {
        let c = try await ConsoleStack(fourEyes: "off")
        let alice = try await c.user("alice", .reviewer)
        let bob = try await c.user("bob", .reviewer)
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<8 {
                group.addTask {
                    try await c.call(
                        "POST", "/api/v1/decisions/r-review/reviews", token: n % 2 == 0 ? alice : bob,
                        json: ConsoleStack.review(n % 2 == 0 ? "approve" : "reject", reason: "racer \(n)")
                    ).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 201 }.count == 1, "\(statuses)")
        #expect(statuses.filter { $0 == 409 }.count == 7, "\(statuses)")
        #expect(try await c.stack.count("SELECT count(*) FROM decision_history WHERE request_id = 'r-review'") == 2)
        #expect(try await c.stack.count("SELECT count(*) FROM outbox WHERE request_id = 'r-review'") == 2)
        try await c.close()
    }

    @Test("decision_history and audit_log refuse UPDATE, DELETE and TRUNCATE; purge leaves them and the decisions")
    func appendOnly() async throws {
        let c = try await ConsoleStack()
        _ = try await c.user("alice", .reviewer)
        for statement in [
            "UPDATE decision_history SET decision = 'approved'", "DELETE FROM decision_history", "TRUNCATE decision_history",
            "UPDATE audit_log SET actor = 'nobody'", "DELETE FROM audit_log", "TRUNCATE audit_log",
        ] {
            await #expect(throws: PostgresError.self, "\(statement)") {
                try await c.stack.db.withConnection { try $0.execute(statement) }
            }
        }
        do {
            try await c.stack.db.withConnection { try $0.execute("DELETE FROM decision_history") }
        } catch let error as PostgresError {
            #expect(error.message.contains("append-only"), "\(error)")
        }
        #expect(try await c.stack.count("SELECT count(*) FROM decision_history") == ConsoleStack.decided.count)

        // Purge everything old enough: decisions and their history stay.
        try await c.stack.db.withConnection { connection in
            _ = try connection.query("UPDATE verification_requests SET received_at = now() - interval '400 days'")
            _ = try Retention.purge(olderThan: .seconds(365 * 86_400), dryRun: false, on: connection)
        }
        #expect(try await c.stack.count("SELECT count(*) FROM verification_requests") == 0)
        #expect(try await c.stack.count("SELECT count(*) FROM verification_results") == ConsoleStack.decided.count)
        #expect(try await c.stack.count("SELECT count(*) FROM decision_history") == ConsoleStack.decided.count)
        #expect(try await c.stack.count("SELECT count(*) FROM audit_log WHERE action = 'user_added'") == 1)
        try await c.close()
    }
}
