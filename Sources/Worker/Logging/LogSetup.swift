import Logging
import Synchronization

/// Installs the process-wide log handler once, in the format the configuration asks for.
public enum LogSetup {
    private static let done = Mutex(false)

    public static func bootstrap(format: WorkerConfiguration.LogFormat, level: Logger.Level) {
        let first = done.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        LoggingSystem.bootstrap { label in
            switch format {
            case .json:
                return JSONLogHandler(label: label, level: level)
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
