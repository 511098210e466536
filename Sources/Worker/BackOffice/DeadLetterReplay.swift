import Blocking
import Foundation
import Kafka
import Logging
import Postgres

/// One message of the dead-letter topic, with what its headers say about it.
public struct DeadLetter: Sendable {
    public var message: KafkaMessage
    /// `error.code`, `error.message`.
    public var code: String?
    public var reason: String?
    /// Where it was read from before it was dead-lettered (`source.*` headers).
    public var sourceTopic: String?
    public var sourcePartition: Int32?
    public var sourceOffset: Int64?
    /// The value's `requestId`, when the value is a JSON object that has one.
    public var requestId: String?

    public init(_ message: KafkaMessage) {
        self.message = message
        func header(_ name: String) -> String? {
            message.headers.first { $0.key == name }?.value.map { String(decoding: $0, as: UTF8.self) }
        }
        code = header("error.code")
        reason = header("error.message")
        sourceTopic = header("source.topic")
        sourcePartition = header("source.partition").flatMap { Int32($0) }
        sourceOffset = header("source.offset").flatMap { Int64($0) }
        requestId = (try? JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any])?["requestId"] as? String
    }

    /// `topic/partition/offset` of the letter itself: the `replay.of` header of its replay.
    public var coordinates: String { "\(message.topic)/\(message.partition)/\(message.offset)" }
}

/// `okayface-worker dlq list|replay` (README, Dead letters): which letters match, and sending
/// each one's exact key and bytes back to the topic it came from, with `replay.of`. A letter
/// whose requestId is decided already is skipped, and each original message is replayed at
/// most once (`dlq_replays`, keyed by its source coordinates). The replay is published before
/// its row is written: a crash between the two can replay a letter twice (the worker skips a
/// decided request), never lose one.
public enum DeadLetterReplay {
    /// Which letters a command takes.
    public struct Filter: Sendable {
        public var code: String?
        public var since: Date?

        public init(code: String? = nil, since: Date? = nil) {
            self.code = code
            self.since = since
        }

        public func matches(_ letter: DeadLetter) -> Bool {
            if let code, letter.code != code { return false }
            if let since, let ms = letter.message.timestamp, Date(timeIntervalSince1970: Double(ms) / 1000) < since { return false }
            return true
        }
    }

    /// What became of one letter.
    public enum Step: String, Sendable, Equatable {
        case replayed
        /// `--dry-run`: it would have been replayed.
        case wouldReplay = "would replay"
        case alreadyDecided = "skipped: its requestId is decided"
        case alreadyReplayed = "skipped: replayed before"
        /// No `source.*` headers: there is nowhere to send it back to.
        case noSource = "skipped: no source topic"
    }

    /// The dead-letter topic from its beginning, or nil when no broker answers (so the caller
    /// can say so rather than wait). `properties` are the caller's librdkafka ones; their
    /// `security.*`, `sasl.*` and `ssl.*` reach the brokers the same way. librdkafka's waits
    /// block, so the read runs on threads that may.
    public static func read(
        brokers: String, topic: String, properties: [String: String] = [:], logger: Logger
    ) async throws -> [KafkaMessage]? {
        let security = properties.filter { $0.key.hasPrefix("security.") || $0.key.hasPrefix("sasl.") || $0.key.hasPrefix("ssl.") }
        return try await withTaskExecutorPreference(BlockingExecutor.shared) {
            let probe = try TopicReader.observer(brokers: brokers, topic: topic, extra: security, logger: logger)
            let reachable = probe.brokersReachable(timeout: .seconds(3))
            probe.close()
            guard reachable else { return nil }
            return try await TopicReader.read(brokers: brokers, topic: topic, idle: .seconds(1), timeout: .seconds(15), logger: logger)
        }
    }

    /// Which of `letters` were replayed before (their source coordinates are in `dlq_replays`).
    public static func replayed(_ letters: [DeadLetter], on connection: PostgresConnection) throws -> Set<String> {
        var found = Set<String>()
        for letter in letters {
            guard let topic = letter.sourceTopic, let partition = letter.sourcePartition, let offset = letter.sourceOffset else { continue }
            if try connection.query(Self.replayedQuery(topic: topic, partition: partition, offset: offset)).first != nil {
                found.insert(letter.coordinates)
            }
        }
        return found
    }

    static func replayedQuery(topic: String, partition: Int32, offset: Int64) -> PostgresQuery {
        "SELECT 1 AS x FROM dlq_replays WHERE source_topic = \(topic) AND source_partition = \(Int(partition)) AND source_offset = \(offset)"
    }

    public static func letters(_ messages: [KafkaMessage], _ filter: Filter) -> [DeadLetter] {
        messages.map(DeadLetter.init).filter(filter.matches).sorted { ($0.message.partition, $0.message.offset) < ($1.message.partition, $1.message.offset) }
    }

    /// Replays `letters` in order; each outcome beside its letter. `actor` and `address` go to
    /// `audit_log`: a console user and their address, or the command line.
    public static func replay(
        _ letters: [DeadLetter], producer: KafkaProducer, pool: PostgresPool, dryRun: Bool, actor: String, address: String? = "cli"
    ) async throws -> [(DeadLetter, Step)] {
        var outcomes: [(DeadLetter, Step)] = []
        for letter in letters {
            guard let topic = letter.sourceTopic, let partition = letter.sourcePartition, let offset = letter.sourceOffset else {
                outcomes.append((letter, .noSource))
                continue
            }
            let requestId = letter.requestId
            let (decided, replayed) = try await pool.withConnection { connection in
                (
                    try requestId.map { try connection.query("SELECT 1 AS x FROM verification_results WHERE request_id = \($0)").first != nil } ?? false,
                    try connection.query(Self.replayedQuery(topic: topic, partition: partition, offset: offset)).first != nil
                )
            }
            if decided { outcomes.append((letter, .alreadyDecided)); continue }
            if replayed { outcomes.append((letter, .alreadyReplayed)); continue }
            if dryRun { outcomes.append((letter, .wouldReplay)); continue }
            let m = letter.message
            _ = try await producer.send(
                topic: topic, key: m.key, value: m.valueIsNull ? nil : m.value,
                headers: [KafkaHeader(key: "replay.of", value: Array(letter.coordinates.utf8))])
            try await pool.transaction { connection in
                _ = try connection.query("""
                    INSERT INTO dlq_replays (source_topic, source_partition, source_offset, dlq_topic, dlq_partition, dlq_offset,
                                             request_id, error_code, replayed_by)
                    VALUES (\(topic), \(Int(partition)), \(offset), \(m.topic), \(Int(m.partition)), \(m.offset), \(requestId), \(letter.code), \(actor))
                    ON CONFLICT DO NOTHING
                    """)
                try AuditEntry(
                    actor: actor, action: "dlq_replayed", target: requestId ?? letter.coordinates, address: address,
                    detail: ["letter": letter.coordinates, "to": "\(topic)", "code": letter.code ?? ""]
                ).write(on: connection)
            }
            outcomes.append((letter, .replayed))
        }
        return outcomes
    }
}
