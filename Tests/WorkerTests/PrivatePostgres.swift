import Foundation
import Testing

/// A PostgreSQL cluster of the test's own, started with `scripts/lib/postgres.sh`, for tests
/// that stop and start the server (the shared one serves other tests at the same time).
struct PrivatePostgres {
    let dir: String
    let url: String

    static func start() throws -> PrivatePostgres {
        let dir = "/tmp/okf-pg-\(UUID().uuidString.prefix(8).lowercased())"
        try run("pg_start \(dir)")
        let url = try String(contentsOfFile: dir + "/url", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return PrivatePostgres(dir: dir, url: url)
    }

    func stop() throws { try Self.run("pg_stop \(dir)") }
    func start() throws { try Self.run("pg_start \(dir)") }

    /// Stops the server and deletes its folder.
    func destroy() {
        try? stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    private static func run(_ command: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "source '\(TestStack.root)/scripts/lib/postgres.sh' && \(command)"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            Issue.record("\(command) failed: \(text)")
            throw PrivatePostgresError(message: text)
        }
    }

    struct PrivatePostgresError: Error { let message: String }
}
