import Blocking
import Testing

/// Runs each test of a suite on ``BlockingExecutor``'s threads instead of Swift's cooperative
/// pool. Tests call libpq, librdkafka and `Process` directly and wait on them; on the
/// cooperative pool (two threads on a 2-core machine) two such waits stall the whole process,
/// in-process servers included: a loopback HTTP server that could not answer for 20 s was the
/// suite's "request never reached the server" failures.
public struct OffCooperativePool: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        // Only the test case itself: a suite-level scope would wrap the whole suite once more.
        guard testCase != nil else { return try await function() }
        try await withTaskExecutorPreference(BlockingExecutor.shared) { try await function() }
    }
}

extension Trait where Self == OffCooperativePool {
    /// See ``OffCooperativePool``.
    public static var offCooperativePool: Self { Self() }
}
