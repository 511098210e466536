import Logging
import Synchronization

/// Collects log records so a test can assert on them.
public final class LogCapture: LogHandler, Sendable {
    public struct Record: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: Logger.Metadata
    }

    public init() {}

    /// A logger that writes here, at every level.
    public func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { _ in self }
        logger.logLevel = .trace
        return logger
    }

    /// Whether some record's message holds `text`.
    public func contains(_ text: String) -> Bool {
        storage.withLock { $0.contains { $0.message.contains(text) } }
    }

    private let storage = Mutex<[Record]>([])
    public var records: [Record] { storage.withLock { $0 } }

    public var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    public var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    public subscript(metadataKey _: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    public func log(event: LogEvent) {
        storage.withLock { $0.append(Record(level: event.level, message: "\(event.message)", metadata: event.metadata ?? [:])) }
    }
}
