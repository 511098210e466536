import InMemoryLogging
import Logging

extension InMemoryLogHandler {
    /// A logger that writes here, at every level.
    public func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { _ in self }
        logger.logLevel = .trace
        return logger
    }

    /// Whether some entry's message holds `text`.
    public func contains(_ text: String) -> Bool {
        entries.contains { "\($0.message)".contains(text) }
    }

    /// How many entries' messages hold `text`.
    public func count(_ text: String) -> Int {
        entries.filter { "\($0.message)".contains(text) }.count
    }
}
