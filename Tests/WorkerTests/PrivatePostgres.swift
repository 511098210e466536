import DevTools
import Foundation

/// A PostgreSQL cluster of the test's own (through `scripts/lib/postgres.sh`), for tests that
/// stop and start the server: the shared one serves other tests at the same time.
struct PrivatePostgres {
    let control: PostgresControl
    let url: String

    static func start() async throws -> PrivatePostgres {
        let dir = "/tmp/okf-pg-\(UUID().uuidString.prefix(8).lowercased())"
        let control = PostgresControl(root: TestStack.root, directory: dir, log: dir + ".log")
        return PrivatePostgres(control: control, url: try await control.start())
    }

    func stop() async throws { try await control.stop() }
    func start() async throws { _ = try await control.start() }

    /// Stops the server and deletes its folder.
    func destroy() async {
        try? await control.stop()
        try? FileManager.default.removeItem(atPath: control.directory)
        try? FileManager.default.removeItem(atPath: control.directory + ".log")
    }
}
