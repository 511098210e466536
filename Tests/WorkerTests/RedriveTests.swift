import DevTools
import Foundation
import Kafka
import TestSupport
import Testing
import Worker

/// `okayface-worker redrive`, run as the binary against the mock cluster, PostgreSQL, the
/// simulator and a worker: requests that ended `retry_later` because a deadline was too
/// short are decided after it is fixed, each as revision 2 of the same row, history kept.
@Suite(.timeLimit(.minutes(3)), .offCooperativePool)
struct RedriveTests {
    @Test("retry_later decisions run again as revision 2 of the same row; a second redrive and a repeated message change nothing")
    func redriveAfterADeadlineWasTooShort() async throws {
        let stack = try await TestStack()
        // A vendor slower than the deadline: both slow requests end as deadline_exceeded.
        let slow = try stack.directive(#"{"simulate":{"delayMs":1500}}"#)
        let hasty = try stack.startWorker(["WORKER_REQUEST_DEADLINE_MS": "500"])
        try await stack.publish(stack.request("rd-ok"))
        try await stack.publish(stack.request("rd-slow-1", sdk: slow))
        try await stack.publish(stack.request("rd-slow-2", sdk: slow))
        try await stack.waitForDecisions(3)
        try await hasty.stop()
        for id in ["rd-slow-1", "rd-slow-2"] {
            let row = try #require(try await stack.decision(id))
            #expect(row.string("decision") == "error" && row.string("next_action") == "retry_later", "\(id)")
            #expect(row.textArray("reasons") == ["deadline_exceeded"])
        }

        // Mistakes first: not a retryable action, an unknown reason, a bad instant.
        let retake = try await stack.backOffice(["redrive", "--next-action", "retake_photos"])
        #expect(retake.status != 0 && retake.err.contains("only retry_later is re-driven"), "\(retake.err)")
        let typo = try await stack.backOffice(["redrive", "--next-action", "retry_later", "--reason", "deadline_exeeded"])
        #expect(typo.status != 0 && typo.err.contains("is not a reason"), "\(typo.err)")
        #expect(try await stack.backOffice(["redrive", "--next-action", "retry_later", "--since", "yesterday"]).status != 0)

        let dry = try await stack.backOffice(["redrive", "--next-action", "retry_later", "--dry-run"])
        #expect(dry.status == 0 && dry.out.contains("dry run: 2 of 2 decisions would be re-driven"), "\(dry.out)\(dry.err)")
        #expect(try await stack.count("SELECT count(*) FROM redrives") == 0)

        let worker = try stack.startWorker()
        let redrive = try await stack.backOffice(["redrive", "--next-action", "retry_later", "--reason", "deadline_exceeded", "--since", "1h"])
        #expect(redrive.status == 0 && redrive.out.contains("re-drove 2 of 2 decisions"), "\(redrive.out)\(redrive.err)")
        try await stack.waitUntil("both re-driven requests decided as revision 2") {
            try await stack.count("SELECT count(*) FROM verification_results WHERE revision = 2 AND decision = 'approved'") == 2
        }
        try await stack.waitForDecisions(3)
        // Never a second row; the history holds both revisions; the results topic both events.
        #expect(try await stack.count("SELECT count(*) FROM verification_results") == 3)
        let history = try await stack.query("SELECT revision, decision, action, actor FROM decision_history WHERE request_id = 'rd-slow-1' ORDER BY revision")
        #expect(history.map { "\($0.int("revision") ?? 0) \($0.string("decision") ?? "") \($0.string("action") ?? "")" } == [
            "1 error automated", "2 approved redrive",
        ])
        let row = try #require(try await stack.decision("rd-slow-1"))
        #expect(row.string("next_action") == "proceed" && row.bool("retryable") == false && (row.int("attempts") ?? 0) >= 1)
        #expect(try await stack.count("SELECT count(*) FROM redrives WHERE requested_by = 'cli:ops'") == 2)
        #expect(try await stack.count("SELECT count(*) FROM audit_log WHERE action = 'redrive_requested' AND actor = 'cli:ops'") == 2)
        let events = try await stack.results().filter { $0.key == Array("rd-slow-1".utf8) }
        let revisions = events.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.value)) as? [String: Any])?["revision"] as? Int }
        #expect(Set(revisions) == [1, 2])

        // Again: nothing is retry_later any more, so nothing is published.
        let again = try await stack.backOffice(["redrive", "--next-action", "retry_later"])
        #expect(again.status == 0 && again.out.contains("re-drove 0 of 0 decisions"), "\(again.out)")

        // The same re-drive message delivered once more (a crash between publish and row):
        // revision 1 is no longer in force, so the worker skips it.
        let skippedBefore = try await Self.skipped(worker)
        let stored = try #require(try await stack.query("SELECT * FROM verification_requests WHERE request_id = 'rd-slow-2'").first)
        let event = Redrive.requestEvent(requestId: "rd-slow-2", journeyId: stored.string("journey_id"), subject: nil, images: [
            "idCard": stored.string("image_id_card_uri") ?? "", "best": stored.string("image_best_uri") ?? "",
            "mobileSdkData": stored.string("image_mobile_sdk_data_uri") ?? "",
        ])
        _ = try await stack.producer.send(
            topic: TestStack.requestTopic, key: Array("rd-slow-2".utf8), value: event,
            headers: [KafkaHeader(key: Redrive.header, value: Array("1".utf8))])
        try await stack.waitUntil("the repeated re-drive skipped") { try await Self.skipped(worker) > skippedBefore }
        #expect(try await stack.decision("rd-slow-2")?.int("revision") == 2)
        #expect(try await stack.count("SELECT count(*) FROM decision_history WHERE request_id = 'rd-slow-2'") == 2)
        try await worker.stop()
        await stack.close()
    }

    static func skipped(_ worker: RunningWorker) async throws -> Double {
        let (_, text) = try await worker.get("metrics")
        let line = text.split(separator: "\n").first { $0.hasPrefix(#"okayface_redrives_total{outcome="skipped"}"#) }
        return line.flatMap { $0.split(separator: " ").last.flatMap { Double($0) } } ?? 0
    }
}
