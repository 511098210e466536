import Foundation
import Synchronization

/// Catches blocking C calls (libpq, librdkafka's waits, joining a thread) made on a thread of
/// Swift's cooperative pool. That pool has one thread per core, two on our CI machine: two
/// such calls at once stall every task of the process, and a loopback server in the same
/// process (the simulator, a test's HTTP server) stops answering. That is how the suite's
/// timing failures happened.
///
/// Every blocking C call runs inside ``around(_:_:)``. With `OKAYFACE_BLOCKING_CHECK=1` (set by
/// `scripts/test`) a call made while a Swift task runs on a cooperative thread is reported once
/// per call site on standard error, and `scripts/test` fails the run when it finds a report.
/// Off by default: production pays one load of a `Bool` per call.
public enum BlockingCall {
    /// The marker `scripts/test` searches the logs for.
    public static let marker = "BLOCKING CALL ON A SWIFT CONCURRENCY THREAD"

    private static let enabled = ProcessInfo.processInfo.environment["OKAYFACE_BLOCKING_CHECK"] == "1"
    private static let reported = Mutex<Set<String>>([])

    /// Runs `body`, a blocking call named `name`, and reports it when it runs inside a Swift
    /// task on the cooperative pool (on ``BlockingExecutor``'s threads blocking is fine).
    @inline(__always)
    public static func around<T, E: Error>(_ name: StaticString, _ body: () throws(E) -> T) throws(E) -> T {
        // The PostgreSQL pool's and the poll threads' calls are not in a task: nothing to report.
        if enabled, withUnsafeCurrentTask(body: { $0 != nil }), BlockingExecutor.current == nil { report("\(name)") }
        return try body()
    }

    private static func report(_ name: String) {
        let frames = Thread.callStackSymbols.dropFirst(2).prefix(14).map { $0.trimmingCharacters(in: .whitespaces) }
        let site = name + "|" + frames.prefix(6).joined(separator: "|")
        guard reported.withLock({ $0.insert(site).inserted }) else { return }
        let text = "\(marker): \(name)\n" + frames.map { "    " + $0 }.joined(separator: "\n") + "\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
