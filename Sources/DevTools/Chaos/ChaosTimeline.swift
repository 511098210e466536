import Foundation
import Logging
import Synchronization

/// What happened when during a run: faults, worker starts and exits. Each entry is logged as it
/// happens, kept for the report, and appended to `timeline.log` in the run folder.
final class ChaosTimeline: Sendable {
    private let start = ContinuousClock.now
    private let entries = Mutex<[String]>([])
    private let logger: Logger
    private let file: String

    init(file: String, logger: Logger) {
        self.file = file
        self.logger = logger
        _ = FileManager.default.createFile(atPath: file, contents: nil)
    }

    var elapsed: Duration { ContinuousClock.now - start }

    func record(_ text: String) {
        let line = String(format: "%8.2fs  ", elapsed.seconds) + text
        entries.withLock { entries in
            entries.append(line)
            if let handle = FileHandle(forWritingAtPath: file) {
                handle.seekToEndOfFile()
                handle.write(Data((line + "\n").utf8))
                try? handle.close()
            }
        }
        logger.info("\(text)")
    }

    var lines: [String] { entries.withLock { $0 } }
}

extension Duration {
    /// Seconds as a floating-point number, for printing.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
