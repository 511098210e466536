import Pipeline
import DevTools
import Digest
import Foundation
import Kafka
import Postgres
import Simulator
import TestSupport
import Testing
import Verification
import Worker

/// The whole worker against real PostgreSQL, the librdkafka mock cluster and the simulator
/// over HTTP: what a request on the topic becomes, in rows and events.
@Suite(.timeLimit(.minutes(3)), .offCooperativePool)
struct PipelineIntegrationTests {
    @Test func requestsBecomeRowsAndResultEvents() async throws {
        let stack = try await TestStack()
        let worker = try stack.startWorker()
        try await stack.publish(stack.request("approved-1", subject: "customer-1"))
        try await stack.publish(stack.request("rejected-1", sdk: "sdk/liveness-fail.json"))
        try await stack.publish(stack.request("rejected-2", sdk: "sdk/face-mismatch.json"))
        try await stack.publish(stack.request("boundary-75", sdk: "sdk/boundary-confidence-75.json"))
        try await stack.publish(stack.request("boundary-05", sdk: "sdk/boundary-liveness-0.5.json"))
        try await stack.publish(stack.request("integers", sdk: "sdk/integer-scores.json"))
        try await stack.waitForDecisions(6)

        let approved = try #require(try await stack.decision("approved-1"))
        #expect(approved.string("decision") == "approved")
        #expect(approved.textArray("reasons") == [])
        #expect(approved.double("face_confidence") == 93.4)
        #expect(approved.double("liveness_probability") == 0.97)
        #expect(approved.double("capture_liveness_probability") == 0.99)
        #expect(approved.double("capture_liveness_score") == 4.6)
        #expect(approved.int("vendor_http_status") == 200)
        #expect(approved.string("vendor_message") == "api.success")
        #expect(approved.int("attempts") == 1)
        #expect(approved.string("subject") == "customer-1")
        #expect(approved.date("processed_at") != nil)
        let thresholds = try #require(approved.string("thresholds"))
        #expect(thresholds.contains("\"faceConfidence\": 75") && thresholds.contains("\"liveness\": 0.5"))

        #expect(try await stack.decision("rejected-1")?.textArray("reasons") == ["liveness_failed"])
        #expect(try await stack.decision("rejected-2")?.textArray("reasons") == ["face_mismatch"])
        #expect(try await stack.decision("boundary-75")?.string("decision") == "approved")
        #expect(try await stack.decision("boundary-05")?.textArray("reasons") == ["liveness_failed"])
        #expect(try await stack.decision("integers")?.double("face_confidence") == 100)

        // The request row keeps the URIs and the Kafka coordinates, never the images.
        let request = try #require(try await stack.query(
            "SELECT * FROM verification_requests WHERE request_id = 'approved-1'").first)
        #expect(request.string("image_best_uri") == "file://\(stack.samples)/images/person1-selfie.png")
        #expect(request.string("kafka_topic") == TestStack.requestTopic)
        #expect(request.int("kafka_offset") != nil)
        #expect(try await stack.count("SELECT count(*) FROM vendor_calls WHERE request_id = 'approved-1'") == 2)  // journey + call

        // One result event per decision, key = requestId, matching the row.
        let events = try await stack.results(expected: 6)
        #expect(events.count == 6)
        let byKey = Dictionary(events.map { (String(decoding: $0.key ?? [], as: UTF8.self), $0) }) { a, _ in a }
        #expect(Set(byKey.keys) == ["approved-1", "rejected-1", "rejected-2", "boundary-75", "boundary-05", "integers"])
        let event = try JSONDecoder().decode(VerificationCompleted.self, from: Data(try #require(byKey["rejected-1"]).value))
        #expect(event.decision == .rejected)
        #expect(event.reasons.map(\.word) == ["liveness_failed"])
        #expect(event.scores.liveness == 0.31)
        #expect(event.vendor == .init(status: "success", messageCode: "api.success", httpStatus: 200))
        #expect(event.thresholds == .vendorRecommended)
        #expect(event.journeyId != nil)

        try await worker.stop()
        await stack.close()
    }

    @Test func duplicatesCostNoVendorCallAndNoSecondRow() async throws {
        let stack = try await TestStack()
        let worker = try stack.startWorker()
        let value = stack.request("dup-1")
        // Three copies under the same key (processed one after the other) …
        for _ in 0..<3 { try await stack.publish(value) }
        try await stack.waitForDecisions(1)
        try await Task.sleep(for: .seconds(1))
        // … and one more after the decision is durable, under another key.
        try await stack.publish(value, key: "another-key")
        try await stack.publish(stack.request("marker"), key: "another-key")
        try await stack.waitForDecisions(2)

        #expect(try await stack.count("SELECT count(*) FROM verification_results WHERE request_id = 'dup-1'") == 1)
        #expect(try await stack.count("SELECT count(*) FROM outbox WHERE request_id = 'dup-1'") == 1)
        let stats = stack.simulator.stats()
        #expect(stats.okayFaceCalls == 2)  // dup-1 once, marker once
        #expect(stats.journeysCreated == 2 + 1)  // and the start-up credentials probe
        try await worker.stop()
        await stack.close()
    }

    @Test func invalidEventsGoToTheDLQByteForByteWithHeaders() async throws {
        let stack = try await TestStack(partitions: 1)
        let worker = try stack.startWorker()
        let garbage: [UInt8] = Array("not json {".utf8) + [0xFF, 0x00, 0x7F]
        let missing = Array(#"{"requestId":"bad-2","images":{"idCard":"file:///x","mobileSdkData":"file:///y"}}"#.utf8)
        _ = try await stack.producer.send(topic: TestStack.requestTopic, key: Array("k-1".utf8), value: garbage)
        _ = try await stack.producer.send(topic: TestStack.requestTopic, key: nil, value: missing)
        try await stack.publish(stack.request("good-after-bad"))
        try await stack.waitForDecisions(1)

        // Ordered by where they came from: the DLQ's own partitions and offsets depend on the keys.
        func sourceOffset(_ m: KafkaMessage) -> String { m.headers.first { $0.key == "source.offset" }?.text ?? "" }
        // Dead letters are at least once, like results: a message processed again after a
        // rebalance before its offset was committed is copied again (seen once in a loaded
        // fresh-clone run), so one letter per source offset is what is checked.
        var bySource: [String: KafkaMessage] = [:]
        for letter in try await stack.deadLetters(expected: 2) where bySource[sourceOffset(letter)] == nil {
            bySource[sourceOffset(letter)] = letter
        }
        let letters = bySource.values.sorted { sourceOffset($0) < sourceOffset($1) }
        try #require(letters.count == 2)
        #expect(letters[0].value == garbage)
        #expect(letters[0].key == Array("k-1".utf8))
        let h0 = Dictionary(letters[0].headers.map { ($0.key, $0.text ?? "") }) { a, _ in a }
        #expect(h0["error.code"] == "malformed_json")
        #expect(h0["error.message"] == "value is not valid JSON")
        #expect(h0["source.topic"] == TestStack.requestTopic)
        #expect(h0["source.partition"] == "0")
        #expect(h0["source.offset"] == "0")
        #expect(letters[1].value == missing)
        let h1 = Dictionary(letters[1].headers.map { ($0.key, $0.text ?? "") }) { a, _ in a }
        #expect(h1["error.code"] == "missing_field")
        #expect(h1["error.message"] == "missing required field images.best")
        #expect(h1["source.offset"] == "1")
        #expect(try await stack.count("SELECT count(*) FROM verification_results") == 1)
        try await worker.stop()

        // The offsets were committed: a new worker in the same group re-reads nothing.
        let second = try stack.startWorker()
        try await stack.publish(stack.request("after-restart"))
        try await stack.waitForDecisions(2)
        try await Task.sleep(for: .seconds(1))
        let lettersAfterRestart = try await stack.deadLetters()
        #expect(Set(lettersAfterRestart.map(sourceOffset)) == ["0", "1"], "\(lettersAfterRestart.map(TopicReader.describe))")
        #expect(stack.simulator.stats().okayFaceCalls == 2)
        try await second.stop()
        await stack.close()
    }

    @Test func journeyIsCreatedOnlyWhenAbsent() async throws {
        let stack = try await TestStack()
        let worker = try stack.startWorker()
        try await stack.publish(stack.request("no-journey"))
        try await stack.waitForDecisions(1)
        #expect(stack.simulator.stats().journeysCreated == 1 + 1)  // and the start-up credentials probe
        let created = try #require(try await stack.query(
            "SELECT journey_id, journey_created FROM verification_requests WHERE request_id = 'no-journey'").first)
        #expect(created.bool("journey_created") == true)
        let journeyId = try #require(created.string("journey_id"))
        #expect(try await stack.decision("no-journey")?.string("journey_id") == journeyId)

        // Reusing that journey: no second Create JourneyID call.
        try await stack.publish(stack.request("given-journey", journeyId: journeyId))
        try await stack.waitForDecisions(2)
        #expect(stack.simulator.stats().journeysCreated == 1 + 1)
        #expect(try await stack.decision("given-journey")?.string("decision") == "approved")
        #expect(try await stack.query(
            "SELECT journey_created FROM verification_requests WHERE request_id = 'given-journey'").first?.bool("journey_created") == false)
        #expect(try await stack.count(
            "SELECT count(*) FROM vendor_calls WHERE request_id = 'given-journey' AND endpoint = 'journeyid'") == 0)
        try await worker.stop()
        await stack.close()
    }

    @Test func transientFailuresAreRetriedThenSucceed() async throws {
        let stack = try await TestStack()
        let worker = try stack.startWorker(["OKAYFACE_MAX_ATTEMPTS": "5"])
        try await stack.publish(stack.request("flaky", sdk: "sdk/flaky-then-ok.json"))
        let quota = try stack.directive(#"{"simulate":{"failFirst":1,"failStatus":429}}"#)
        try await stack.publish(stack.request("quota", sdk: quota))
        try await stack.waitForDecisions(2)

        let flaky = try #require(try await stack.decision("flaky"))
        #expect(flaky.string("decision") == "approved")
        #expect(flaky.int("attempts") == 3)
        let calls = try await stack.query("""
            SELECT attempt, http_status, outcome FROM vendor_calls
            WHERE request_id = 'flaky' AND endpoint = 'okayface_plus_v1' ORDER BY attempt
            """)
        #expect(calls.map { $0.string("outcome") } == ["transient_error", "transient_error", "success"])
        #expect(calls.map { $0.int("http_status") } == [503, 503, 200])
        #expect(try await stack.decision("quota")?.int("attempts") == 2)
        #expect(try await stack.decision("quota")?.string("decision") == "approved")
        try await worker.stop()
        await stack.close()
    }

    @Test func vendorErrorsEndAsErrorDecisions() async throws {
        let stack = try await TestStack()
        // A request older than WORKER_MAX_REQUEST_AGE_MS when its attempts run out ends
        // vendor_unavailable; a younger one waits for the vendor through an open circuit.
        let worker = try stack.startWorker(["OKAYFACE_MAX_ATTEMPTS": "3", "WORKER_MAX_REQUEST_AGE_MS": "1000"])
        try await stack.publish(stack.request("bad-journey", journeyId: "00000000-0000-4000-8000-000000000000"))
        try await stack.publish(stack.request("too-small", sdk: "sdk/face-too-small.json"))
        try await stack.publish(stack.request("down", sdk: "sdk/always-500.json"))
        // WebP passes the worker's sniffing (an image) but the vendor takes JPEG and PNG only.
        let webp = stack.scratch + "/card.webp"
        try Data(Array("RIFF".utf8) + [0x10, 0, 0, 0] + Array("WEBPVP8 ".utf8) + [UInt8](repeating: 7, count: 64))
            .write(to: URL(fileURLWithPath: webp))
        try await stack.publish(stack.request("webp", idCard: webp))
        let omitted = try stack.directive(#"{"simulate":{"omit":["captureLiveness"]}}"#)
        try await stack.publish(stack.request("omitted", sdk: omitted))
        try await stack.waitForDecisions(5)

        let badJourney = try #require(try await stack.decision("bad-journey"))
        #expect(badJourney.string("decision") == "error")
        #expect(badJourney.textArray("reasons") == ["vendor_error:INVALID_JOURNEY_ID"])
        #expect(badJourney.int("vendor_http_status") == 400)
        #expect(badJourney.string("vendor_message") == "INVALID_JOURNEY_ID")
        #expect(badJourney.int("attempts") == 1)  // final: not retried
        #expect(try await stack.decision("too-small")?.textArray("reasons") == [
            "incomplete_vendor_response", "vendor_error:FACE_TOO_SMALL",
        ])
        let down = try #require(try await stack.decision("down"))
        #expect(down.textArray("reasons") == ["vendor_unavailable"])
        // Whole rounds of 3: a round that ended before the request was a second old opened
        // the circuit and started another.
        let downAttempts = try #require(down.int("attempts"))
        #expect(downAttempts >= 3 && downAttempts % 3 == 0, "\(downAttempts)")
        #expect(try await stack.decision("webp")?.textArray("reasons") == ["vendor_error:UNRECOGNIZED_IMAGE"])
        #expect(try await stack.decision("omitted")?.textArray("reasons") == ["incomplete_vendor_response"])
        try await worker.stop()
        await stack.close()
    }

    @Test func imagesOutsideTheAllowListMissingOrTooLargeNeverReachTheVendor() async throws {
        let stack = try await TestStack()
        let worker = try stack.startWorker()
        // Three 2 MB "images": together over the 5 MB the vendor accepts.
        var big = [UInt8](repeating: 0x42, count: 2 * 1024 * 1024)
        big.replaceSubrange(0..<8, with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let bigPath = stack.scratch + "/big.png"
        try Data(big).write(to: URL(fileURLWithPath: bigPath))
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("okf-outside-\(UUID().uuidString).png").path
        try Data(big.prefix(1000)).write(to: URL(fileURLWithPath: outside))
        defer { try? FileManager.default.removeItem(atPath: outside) }
        // A symlink inside an allowed folder that points out of it.
        let link = stack.scratch + "/escape.png"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: outside)

        try await stack.publish(stack.request("missing", best: "images/nobody.png"))
        try await stack.publish(stack.request("outside", idCard: outside))
        try await stack.publish(stack.request("dotdot", idCard: "file://\(stack.samples)/../samples/images/person1-idcard.png"))
        try await stack.publish(stack.request("symlink", best: link))
        try await stack.publish(stack.request("scheme", sdk: "https://example.invalid/okaycam.bin"))
        try await stack.publish(stack.request("too-large", idCard: bigPath, best: bigPath, sdk: bigPath))
        // One file over the 3 MB a single image may have.
        let hugePath = stack.scratch + "/huge.png"
        try Data(big + big).write(to: URL(fileURLWithPath: hugePath))
        try await stack.publish(stack.request("image-too-large", best: hugePath))
        // Sniffed: the SDK bundle is not an image, and may not stand in for a photo.
        try await stack.publish(stack.request("not-an-image", idCard: "sdk/okaycam.bin"))
        // A digest that does not match the bytes.
        try await stack.publish(stack.request("wrong-digest", sha256: [
            "idCard": SHA256.hex(try Data(contentsOf: URL(fileURLWithPath: stack.samples + "/images/person1-idcard.png"))),
            "best": String(repeating: "0", count: 64),
        ]))
        try await stack.waitForDecisions(9)

        #expect(try await stack.decision("missing")?.textArray("reasons") == ["image_unavailable:best"])
        #expect(try await stack.decision("outside")?.textArray("reasons") == ["image_forbidden:idCard"])
        #expect(try await stack.decision("dotdot")?.textArray("reasons") == ["image_forbidden:idCard"])
        #expect(try await stack.decision("symlink")?.textArray("reasons") == ["image_forbidden:best"])
        #expect(try await stack.decision("scheme")?.textArray("reasons") == ["image_forbidden:mobileSdkData"])
        #expect(try await stack.decision("too-large")?.textArray("reasons") == ["request_too_large"])
        #expect(try await stack.decision("image-too-large")?.textArray("reasons") == ["image_invalid:best"])
        #expect(try await stack.decision("not-an-image")?.textArray("reasons") == ["image_invalid:idCard"])
        #expect(try await stack.decision("wrong-digest")?.textArray("reasons") == ["image_invalid:best"])
        #expect(try await stack.count("SELECT count(*) FROM verification_results WHERE decision = 'error' AND attempts = 0") == 9)
        let stats = stack.simulator.stats()
        #expect(stats.okayFaceCalls == 0)
        #expect(stats.journeysCreated == 1)  // the start-up credentials probe only
        try await worker.stop()
        await stack.close()
    }

    @Test func sameKeyRunsInOrderWhileKeysRunConcurrently() async throws {
        let stack = try await TestStack(partitions: 1)
        let worker = try stack.startWorker(["WORKER_MAX_IN_FLIGHT": "16"])
        let slow = try stack.directive(#"{"simulate":{"delayMs":300}}"#)
        for i in 0..<4 { try await stack.publish(stack.request("same-\(i)", sdk: slow), key: "customer-A") }
        for i in 0..<4 { try await stack.publish(stack.request("other-\(i)", sdk: slow), key: "customer-\(i)") }
        try await stack.waitForDecisions(8)

        func interval(_ id: String) async throws -> (Date, Date) {
            let row = try #require(try await stack.query("""
                SELECT min(c.started_at) AS started, max(r.processed_at) AS finished
                FROM vendor_calls c JOIN verification_results r USING (request_id)
                WHERE request_id = \(id)
                """).first)
            return (try #require(row.date("started")), try #require(row.date("finished")))
        }
        // customer-A's requests ran one after another, in offset order.
        for i in 1..<4 {
            let previous = try await interval("same-\(i - 1)")
            let current = try await interval("same-\(i)")
            #expect(current.0 >= previous.1, "same-\(i) started before same-\(i - 1) finished")
        }
        // Different keys overlapped.
        let a = try await interval("other-0")
        let b = try await interval("other-1")
        #expect(a.0 < b.1 && b.0 < a.1)
        try await worker.stop()
        await stack.close()
    }
}

/// `WORKER_MAX_IN_FLIGHT` bounds the requests one replica works on at once.
@Suite(.timeLimit(.minutes(3)), .offCooperativePool)
struct InFlightLimitTests {
    @Test func neverMoreThanMaxInFlightVendorCallsAtOnce() async throws {
        let stack = try await TestStack(partitions: 2)
        let worker = try stack.startWorker(["WORKER_MAX_IN_FLIGHT": "3"])
        let slow = try stack.directive(#"{"simulate":{"delayMs":300}}"#)
        for i in 0..<12 { try await stack.publish(stack.request("limit-\(i)", sdk: slow)) }
        try await stack.waitForDecisions(12)

        let calls = try await stack.query("""
            SELECT started_at, duration_ms FROM vendor_calls WHERE endpoint = 'okayface_plus_v1'
            """)
        var edges: [(Date, Int)] = []
        for call in calls {
            let start = try #require(call.date("started_at"))
            let end = start.addingTimeInterval(try #require(call.double("duration_ms")) / 1000)
            edges.append((start, 1))
            edges.append((end, -1))
        }
        // Ends sort before starts at the same instant: touching intervals do not overlap.
        edges.sort { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
        var open = 0
        var peak = 0
        for (_, delta) in edges {
            open += delta
            peak = max(peak, open)
        }
        #expect(peak <= 3)
        #expect(peak >= 2, "requests of different keys should run concurrently")
        try await worker.stop()
        await stack.close()
    }
}
