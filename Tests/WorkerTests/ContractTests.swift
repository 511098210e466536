import DevTools
import Foundation
import TestSupport
import Testing

/// The events the worker really produces, checked against the contract files
/// (`schemas/asyncapi.yaml` and the JSON Schemas it points to) by a JSON Schema validator
/// (Python's jsonschema, in the virtualenv `scripts/test` installs).
@Suite(.timeLimit(.minutes(3)), .offCooperativePool)
struct ContractTests {
    /// `check_contracts.py CHANNEL FILE`: exit status and output.
    func check(_ channel: String, _ lines: [String], in folder: String) async throws -> (Int32, String) {
        let python = try #require(TestServices.value("OKAYFACE_TEST_PYTHON"))
        let file = folder + "/\(channel)-\(UUID().uuidString).jsonl"
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: file))
        let run = try await CommandRun.run(python, [TestStack.root + "/scripts/lib/check_contracts.py", channel, file])
        return (run.status, run.out + run.err)
    }

    @Test func producedEventsMatchTheSchemasAndTheAsyncAPIDocument() async throws {
        let stack = try await TestStack()
        // c-unavailable fails by itself; past WORKER_MAX_REQUEST_AGE_MS it ends vendor_unavailable
        // even when no other call was answered during its attempts.
        let worker = try stack.startWorker(["OKAYFACE_MAX_ATTEMPTS": "2", "REVIEW_BAND_LIVENESS": "0.2", "WORKER_MAX_REQUEST_AGE_MS": "1000"])
        let review = try stack.directive(#"{"simulate":{"faceConfidence":90,"liveness":0.4,"captureLiveness":0.9}}"#)
        let rejected = try stack.directive(#"{"simulate":{"faceConfidence":90,"liveness":0.1,"captureLiveness":0.9}}"#)
        let requests = [
            stack.request("c-approved", subject: "customer-1"),
            stack.request("c-rejected", sdk: rejected),
            stack.request("c-review", sdk: review),
            stack.request("c-vendor-error", journeyId: "00000000-0000-4000-8000-000000000000"),
            stack.request("c-unavailable", sdk: "sdk/always-500.json"),
            stack.request("c-forbidden", idCard: "https://elsewhere.example/card.png"),
            stack.request("c-too-small", sdk: "sdk/face-too-small.json"),
        ]
        for request in requests { try await stack.publish(request) }
        let invalid = [
            Array("not json".utf8),
            Array(#"{"requestId":"c-bad","images":{"idCard":"file:///a.png","mobileSdkData":"file:///c.bin"}}"#.utf8),
            Array(#"{"schemaVersion":2,"requestId":"c-v2","images":{}}"#.utf8),
        ]
        for value in invalid { try await stack.publish(value, key: "c-invalid") }
        try await stack.waitForDecisions(requests.count)

        let results = try await stack.results(expected: requests.count)
        let (resultsStatus, resultsReport) = try await check("results", results.map { String(decoding: $0.value, as: UTF8.self) }, in: stack.scratch)
        #expect(resultsStatus == 0, "\(resultsReport)")
        #expect(resultsReport.contains("results: \(results.count) messages, 0 failed"))
        let decisions = Set(results.compactMap { try? JSONSerialization.jsonObject(with: Data($0.value)) as? [String: Any] }
            .compactMap { $0["decision"] as? String })
        #expect(decisions == ["approved", "rejected", "review", "error"])

        // The requests the worker accepted pass the request schema; one it dead-lettered does not.
        let (requestsStatus, requestsReport) = try await check(
            "requests", requests.map { String(decoding: $0, as: UTF8.self) }, in: stack.scratch)
        #expect(requestsStatus == 0, "\(requestsReport)")
        let (invalidStatus, invalidReport) = try await check("requests", [String(decoding: invalid[1], as: UTF8.self)], in: stack.scratch)
        #expect(invalidStatus == 1 && invalidReport.contains("'best' is a required property"), "\(invalidReport)")

        // Dead letters: their headers match the document's header schema.
        let letters = try await stack.deadLetters(expected: invalid.count)
        #expect(letters.count == invalid.count)
        let headerLines = try letters.map { letter -> String in
            var headers: [String: String] = [:]
            for header in letter.headers { headers[header.key] = header.value.map { String(decoding: $0, as: UTF8.self) } }
            return String(decoding: try JSONSerialization.data(withJSONObject: ["headers": headers]), as: UTF8.self)
        }
        let (lettersStatus, lettersReport) = try await check("deadLetters", headerLines, in: stack.scratch)
        #expect(lettersStatus == 0, "\(lettersReport)")
        try await worker.stop()
        await stack.close()
    }
}
