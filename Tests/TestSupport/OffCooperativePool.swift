import Blocking
import Foundation
import Synchronization
import Testing

/// Runs each test of a suite on ``BlockingExecutor``'s threads instead of Swift's cooperative
/// pool. Tests call libpq, librdkafka and `Process` directly and wait on them; on the
/// cooperative pool (two threads on a 2-core machine) two such waits stall the whole process,
/// in-process servers included: a loopback HTTP server that could not answer for 20 s was the
/// suite's "request never reached the server" failures.
///
/// Those threads may block, so nothing else bounds how many tests run at once: all 300 at
/// once starved the in-process servers of the two cores. At most `OKAYFACE_TEST_WIDTH`
/// (default 8) such tests run at a time, whoever starts the run (`swift test` or scripts/test).
public struct OffCooperativePool: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        // Only the test case itself: a suite-level scope would wrap the whole suite once more.
        guard testCase != nil else { return try await function() }
        await TestSlots.shared.acquire()
        defer { TestSlots.shared.release() }
        try await withTaskExecutorPreference(BlockingExecutor.shared) { try await function() }
    }
}

extension Trait where Self == OffCooperativePool {
    /// See ``OffCooperativePool``.
    public static var offCooperativePool: Self { Self() }
}

/// A counting semaphore for the tests that run off the cooperative pool.
final class TestSlots: Sendable {
    static let shared = TestSlots(
        width: ProcessInfo.processInfo.environment["OKAYFACE_TEST_WIDTH"].flatMap(Int.init).map { max(1, $0) } ?? 8)

    private let state: Mutex<(free: Int, waiting: [CheckedContinuation<Void, Never>])>

    init(width: Int) { state = Mutex((width, [])) }

    func acquire() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { s in
                if s.free > 0 {
                    s.free -= 1
                    return true
                }
                s.waiting.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiting.isEmpty {
                s.free += 1
                return nil
            }
            return s.waiting.removeFirst()
        }
        next?.resume()
    }
}
