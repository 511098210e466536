import DevTools
import Foundation
import Kafka
import TestSupport
import Testing

/// Dead letters the broker cannot take whole, and payloads that are empty or null.
@Suite(.timeLimit(.minutes(3)), .offCooperativePool)
struct DeadLetterEdgeTests {
    @Test func anOversizedLetterIsTruncatedAndEmptyAndNullPayloadsStayAsTheyWere() async throws {
        let stack = try await TestStack(partitions: 1)
        // A long grace: a letter that could never be written would hold the shutdown all of it.
        let worker = try stack.startWorker(["WORKER_SHUTDOWN_GRACE_MS": "120000"])
        // 2 MB of non-JSON: more than the worker's producer takes (message.max.bytes, 1 MB).
        let big = (0..<(2 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let publisher = try KafkaProducer(
            properties: ["bootstrap.servers": stack.kafka.bootstrapServers, "message.max.bytes": "4194304"], logger: stack.logger)
        defer { publisher.close() }
        _ = try await publisher.send(topic: TestStack.requestTopic, key: Array("k".utf8), value: big)
        _ = try await publisher.send(topic: TestStack.requestTopic, key: Array("k".utf8), value: [])
        _ = try await publisher.send(topic: TestStack.requestTopic, key: Array("k".utf8), value: nil)
        try await stack.publish(stack.request("after-the-big-one"), key: "k")
        // The partition moved on: the request behind them is decided.
        try await stack.waitForDecisions(1)

        func sourceOffset(_ m: KafkaMessage) -> Int { Int(m.headers.first { $0.key == "source.offset" }?.text ?? "") ?? -1 }
        let letters = try await stack.deadLetters(expected: 3).sorted { sourceOffset($0) < sourceOffset($1) }
        try #require(letters.count == 3, "\(letters.map(TopicReader.describe))")
        let headers = letters.map { m in Dictionary(m.headers.map { ($0.key, $0.text ?? "") }) { a, _ in a } }
        #expect(headers[0]["error.code"] == "malformed_json")
        #expect(headers[0]["dlq.truncated"] == "true")
        #expect(headers[0]["dlq.original.size"] == String(big.count))
        #expect(letters[0].value == Array(big.prefix(64 * 1024)))
        #expect(letters[1].value.isEmpty && !letters[1].valueIsNull && headers[1]["dlq.truncated"] == nil)
        #expect(letters[2].value.isEmpty && letters[2].valueIsNull)
        #expect(headers[1]["error.message"] == "empty message value" && headers[2]["error.message"] == "empty message value")

        // Shutdown does not wait out its grace on a letter it cannot write.
        let stopping = ContinuousClock.now
        try await worker.stop()
        #expect(ContinuousClock.now - stopping < .seconds(60), "a stuck dead letter held the shutdown")
        await stack.close()
    }
}
