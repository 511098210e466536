import Foundation
import Synchronization

/// Catches blocking C calls (libpq, librdkafka's waits, joining a thread) made on a thread of
/// Swift's cooperative pool. That pool has one thread per core, two on our CI machine: two
/// such calls at once stall every task of the process, and a loopback server in the same
/// process (the simulator, a test's HTTP server) stops answering. That is how the suite's
/// timing failures happened.
///
/// With `OKAYFACE_BLOCKING_CHECK=1` (set by `scripts/test`) each wrapper that blocks calls
/// ``check(_:)`` first; a call made while a Swift task runs on the thread is reported once
/// per call site on standard error, and `scripts/test` fails the run when it finds a report.
/// Off by default: production pays one load of a `Bool` per call.
public enum BlockingCall {
    /// The marker `scripts/test` searches the logs for.
    public static let marker = "BLOCKING CALL ON A SWIFT CONCURRENCY THREAD"

    private static let enabled = ProcessInfo.processInfo.environment["OKAYFACE_BLOCKING_CHECK"] == "1"
    private static let reported = Mutex<Set<String>>([])

    /// Reports `name` when the caller runs inside a Swift task (so on the cooperative pool).
    @inline(__always)
    public static func check(_ name: StaticString) {
        guard enabled else { return }
        guard withUnsafeCurrentTask(body: { $0 != nil }) else { return }
        // A task running on threads made for blocking (BlockingExecutor) is fine.
        if Thread.current.threadDictionary[BlockingExecutor.threadKey] != nil { return }
        report("\(name)")
    }

    private static func report(_ name: String) {
        let frames = Thread.callStackSymbols.dropFirst(2).prefix(14).map { $0.trimmingCharacters(in: .whitespaces) }
        let site = name + "|" + frames.prefix(6).joined(separator: "|")
        guard reported.withLock({ $0.insert(site).inserted }) else { return }
        let text = "\(marker): \(name)\n" + frames.map { "    " + $0 }.joined(separator: "\n") + "\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
