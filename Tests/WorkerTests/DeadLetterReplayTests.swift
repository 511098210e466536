import DevTools
import Foundation
import Kafka
import TestSupport
import Testing
import Worker

/// `okayface-worker dlq list|replay`, run as the binary against the mock cluster, PostgreSQL
/// and a worker: the case that matters is letters an older worker dead-lettered (here, as
/// `unsupported_schema_version` during a rolling upgrade) decided by one command after it.
@Suite(.timeLimit(.minutes(3)), .offCooperativePool)
struct DeadLetterReplayTests {
    /// A letter as a worker writes one: the original key and bytes, and why.
    func deadLetter(_ stack: TestStack, _ value: [UInt8], key: String, code: String, offset: Int) async throws {
        _ = try await stack.producer.send(
            topic: TestStack.dlqTopic, key: Array(key.utf8), value: value,
            headers: [
                KafkaHeader(key: "error.code", value: Array(code.utf8)), KafkaHeader(key: "error.message", value: Array("older worker".utf8)),
                KafkaHeader(key: "source.topic", value: Array(TestStack.requestTopic.utf8)),
                KafkaHeader(key: "source.partition", value: Array("0".utf8)), KafkaHeader(key: "source.offset", value: Array("\(offset)".utf8)),
            ])
    }

    @Test("letters of an older worker are replayed once and decided; decided ones and a dry run publish nothing")
    func replayAfterAnUpgrade() async throws {
        let stack = try await TestStack()
        let worker = try stack.startWorker()
        try await stack.publish(stack.request("dl-decided"))
        try await stack.waitForDecisions(1)
        for (n, id) in ["dl-1", "dl-2", "dl-decided"].enumerated() {
            try await deadLetter(stack, stack.request(id), key: id, code: "unsupported_schema_version", offset: 100 + n)
        }
        try await deadLetter(stack, Array("not json".utf8), key: "junk", code: "malformed_json", offset: 200)
        _ = try await stack.deadLetters(expected: 4)

        let list = try await stack.backOffice(["dlq", "list", "--code", "unsupported_schema_version"])
        #expect(list.status == 0, "\(list.err)")
        #expect(list.out.contains("dl-1") && list.out.contains("dl-2") && !list.out.contains("junk") && list.out.contains("(3 letters)"), "\(list.out)")

        let dry = try await stack.backOffice(["dlq", "replay", "--code", "unsupported_schema_version", "--dry-run"])
        #expect(dry.status == 0 && dry.out.contains("dry run: 2 of 3 letters would be replayed"), "\(dry.out)\(dry.err)")
        #expect(dry.out.contains("skipped: its requestId is decided"))
        #expect(try await stack.count("SELECT count(*) FROM dlq_replays") == 0)

        let replay = try await stack.backOffice(["dlq", "replay", "--code", "unsupported_schema_version"])
        #expect(replay.status == 0 && replay.out.contains("replayed 2 of 3 letters"), "\(replay.out)\(replay.err)")
        try await stack.waitForDecisions(3)
        #expect(try await stack.decision("dl-1")?.string("decision") == "approved")
        #expect(try await stack.decision("dl-2")?.string("decision") == "approved")

        // On the requests topic: each replay once, with its replay.of, and nothing from the dry run.
        let requests = try await TopicReader.read(brokers: stack.kafka.bootstrapServers, topic: TestStack.requestTopic, logger: stack.logger)
        let replayed = requests.compactMap { m in m.headers.first { $0.key == "replay.of" }.map { (String(decoding: m.key ?? [], as: UTF8.self), $0) } }
        #expect(replayed.map(\.0).sorted() == ["dl-1", "dl-2"])
        #expect(replayed.allSatisfy { String(decoding: $0.1.value ?? [], as: UTF8.self).hasPrefix(TestStack.dlqTopic + "/") })

        // Again: now all three are decided, and nothing is published.
        let again = try await stack.backOffice(["dlq", "replay", "--code", "unsupported_schema_version"])
        #expect(again.out.contains("replayed 0 of 3 letters"), "\(again.out)")
        #expect(try await stack.count("SELECT count(*) FROM dlq_replays") == 2)

        // A letter without a requestId is replayed at most once: the worker dead-letters it again
        // (a new letter), and the next replay skips the first one.
        let junk = try await stack.backOffice(["dlq", "replay", "--code", "malformed_json"])
        #expect(junk.out.contains("replayed 1 of 1 letters"), "\(junk.out)")
        _ = try await stack.deadLetters(expected: 5)
        let junkAgain = try await stack.backOffice(["dlq", "replay", "--code", "malformed_json"])
        #expect(junkAgain.out.contains("skipped: replayed before") && junkAgain.out.contains("replayed 1 of 2 letters"), "\(junkAgain.out)")
        #expect(try await stack.count("SELECT count(*) FROM audit_log WHERE action = 'dlq_replayed' AND actor = 'cli:ops'") == 4)

        // A broker that is not there: one line, not a hang.
        let nowhere = try await CommandRun.run(
            CrashRecoveryTests.binary, ["dlq", "list"],
            environment: ["DATABASE_URL": TestStack.withPassword(stack.databaseURL), "KAFKA_BROKERS": "127.0.0.1:1", "PATH": "/usr/bin:/bin"])
        #expect(nowhere.status == 1 && nowhere.err.contains("no Kafka broker answers (KAFKA_BROKERS 127.0.0.1:1)"), "\(nowhere.err)")
        try await worker.stop()
        await stack.close()
    }
}
