import UnixSignals

/// Waits for SIGTERM or SIGINT: how the long-running dev commands (`kafka`, `simulator`) end.
public enum ShutdownSignal {
    public static func wait() async {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        for await _ in signals { return }
    }

    /// Runs `body` and cancels it on SIGTERM or SIGINT: how `chaos` and `bench` end early and
    /// still clean up (a cancelled run kills its workers).
    public static func cancelling<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let run = Task { try await body() }
        let interrupt = Task {
            await wait()
            run.cancel()
        }
        defer { interrupt.cancel() }
        return try await run.value
    }
}
