import Testing

/// A wait that ran out: `what` never happened within the bound.
public struct WaitTimedOut: Error, CustomStringConvertible {
    public var what: String
    public var description: String { "timed out waiting for \(what)" }
}

/// Waits for an event (a counter, a row, a log line, a message), polling `condition` without
/// holding a thread. `timeout` is a generous bound, not a measurement: on a loaded 2-core
/// machine things take longer, never differently. When it runs out the test records an issue
/// naming `what` and this throws.
public func waitUntil(
    _ what: String, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    if try await eventually(timeout: timeout, condition) { return }
    Issue.record("timed out waiting for \(what)", sourceLocation: sourceLocation)
    throw WaitTimedOut(what: what)
}

/// Whether `condition` came to hold within `timeout`, for use inside `#expect`.
public func eventually(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}
