import ArgumentParser
import Blocking
import Foundation
import Kafka
import Logging
import Postgres
import Verification
import Worker

/// `okayface-worker dlq list|replay`: the dead-letter topic, and sending letters back.
struct DLQCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq", abstract: "List dead letters, or replay them to the topic they came from.",
        subcommands: [List.self, Replay.self])

    /// What both subcommands take; the rest of the settings (brokers, `KAFKA_DLQ_TOPIC`,
    /// `KAFKA_CONFIG_*`, `DATABASE_URL`) come from the environment as for `console`.
    struct Options: ParsableArguments {
        @Option(help: "only letters with this error.code, e.g. unsupported_schema_version") var code: String?
        @Option(help: "only letters dead-lettered at or after: RFC 3339 or an age such as 24h") var since: String?

        func filter() throws -> DeadLetterReplay.Filter {
            var filter = DeadLetterReplay.Filter(code: code)
            if let since {
                guard let date = AgeSpec.instant(since) else { throw ValidationError("--since must be RFC 3339 or an age such as 24h") }
                filter.since = date
            }
            return filter
        }
    }

    static func setup() throws -> ConsoleConfiguration {
        do {
            return try ConsoleConfiguration.load(ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(78)
        }
    }

    /// A producer for `body`; it and `pool` are closed after it, whatever happens. A failure of
    /// `body` is one line (`<what> stopped: …`) and exit status 1.
    static func publishing<T: Sendable>(
        _ c: ConsoleConfiguration, pool: PostgresPool, logger: Logger, what: String, _ body: (KafkaProducer) async throws -> T
    ) async throws -> T {
        let producer: KafkaProducer
        do {
            producer = try await BlockingWork.run { try KafkaProducer(properties: c.producerProperties, logger: logger) }
        } catch {
            await BlockingWork.run { pool.close() }
            throw error
        }
        do {
            let value = try await body(producer)
            await BlockingWork.run { producer.close(); pool.close() }
            return value
        } catch {
            await BlockingWork.run { producer.close(); pool.close() }
            FileHandle.standardError.write(Data("\(what) stopped: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    static func read(_ c: ConsoleConfiguration, logger: Logger) async throws -> [KafkaMessage] {
        guard let messages = try await DeadLetterReplay.read(
            brokers: c.kafka.brokers, topic: c.kafka.dlqTopic, properties: c.producerProperties, logger: logger)
        else {
            FileHandle.standardError.write(Data("no Kafka broker answers (KAFKA_BROKERS \(c.kafka.brokers))\n".utf8))
            throw ExitCode.failure
        }
        return messages
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the dead letters, oldest first.")
        @OptionGroup var options: Options

        func run() async throws {
            let filter = try options.filter()
            let c = try DLQCommand.setup()
            LogSetup.bootstrap(format: c.logFormat, level: .error)
            let letters = DeadLetterReplay.letters(try await DLQCommand.read(c, logger: Logger(label: "okayface-worker.dlq")), filter)
            print("letter (topic/partition/offset)  dead-lettered (UTC)       code  source  requestId  bytes  why")
            for l in letters {
                let at = l.message.timestamp.map { Timestamp.format(Date(timeIntervalSince1970: Double($0) / 1000)) } ?? "-"
                let source = "\(l.sourceTopic ?? "-")/\(l.sourcePartition.map(String.init) ?? "-")/\(l.sourceOffset.map(String.init) ?? "-")"
                print([l.coordinates, at, l.code ?? "-", source, l.requestId ?? "-", String(l.message.value.count), l.reason ?? "-"]
                    .joined(separator: "  "))
            }
            print("(\(letters.count) \(letters.count == 1 ? "letter" : "letters"))")
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send letters back to their source topic (same key and bytes, header replay.of); decided requests and letters replayed before are skipped.")
        @OptionGroup var options: Options
        @Flag(help: "say what would be replayed, publish nothing") var dryRun = false

        func run() async throws {
            let filter = try options.filter()
            let c = try DLQCommand.setup()
            LogSetup.bootstrap(format: c.logFormat, level: .error)
            let logger = Logger(label: "okayface-worker.dlq")
            let letters = DeadLetterReplay.letters(try await DLQCommand.read(c, logger: logger), filter)
            let pool = PostgresPool(url: c.databaseURL, size: 1, logger: logger)
            let dryRun = self.dryRun
            let outcomes = try await DLQCommand.publishing(c, pool: pool, logger: logger, what: "replay") { producer in
                try await DeadLetterReplay.replay(letters, producer: producer, pool: pool, dryRun: dryRun, actor: AuditEntry.commandLineActor)
            }
            for (letter, step) in outcomes {
                print("\(letter.coordinates)  \(letter.requestId ?? "-")  \(letter.code ?? "-")  \(step.rawValue)")
            }
            let replayed = outcomes.filter { $0.1 == (dryRun ? .wouldReplay : .replayed) }.count
            print(dryRun ? "dry run: \(replayed) of \(outcomes.count) letters would be replayed; nothing was published"
                         : "replayed \(replayed) of \(outcomes.count) letters")
        }
    }
}
