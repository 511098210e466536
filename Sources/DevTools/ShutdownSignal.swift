import UnixSignals

/// Waits for SIGTERM or SIGINT: how the long-running dev commands (`kafka`, `simulator`) end.
public enum ShutdownSignal {
    public static func wait() async {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        for await _ in signals { return }
    }
}
