import WebClient
import Logging
import Payload
import TestSupport

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

/// The error `execute` threw, or nil when it returned a response.
func executeError(_ client: WebClient, _ request: WebRequest) async -> WebClientError? {
    do {
        _ = try await client.execute(request)
        return nil
    } catch {
        return error
    }
}

/// A file opened at `size` bytes and then cut to 10, as a file rewritten while it is sent.
func openedThenShrunk(_ path: String, size: Int) throws -> ReadOnlyFile {
    try writeFile(path, patternedBytes(count: size))
    let file = try ReadOnlyFile(path: path)
    try writeFile(path, patternedBytes(count: 10))
    return file
}
