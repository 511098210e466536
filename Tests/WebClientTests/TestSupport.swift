import WebClient
import Logging

/// Runs `body` with a fresh client and always shuts it down.
func withClient<T>(
    _ configuration: WebClient.Configuration = .init(),
    _ body: (WebClient) async throws -> T
) async throws -> T {
    var logger = Logger(label: "http-client-test")
    logger.logLevel = .warning
    let client = WebClient(configuration: configuration, logger: logger)
    defer { client.shutdown() }
    return try await body(client)
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// The error `execute` threw, or nil when it returned a response.
func executeError(_ client: WebClient, _ request: WebRequest) async -> WebClientError? {
    do {
        _ = try await client.execute(request)
        return nil
    } catch {
        return error
    }
}
