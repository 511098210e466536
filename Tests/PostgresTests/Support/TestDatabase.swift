import TestSupport
import Foundation
import Logging
import Testing

@testable import Postgres

/// A database of its own for one test, so tests are independent and can run in parallel.
struct TestDatabase {
    let name: String
    let url: String
    let serverURL: String

    /// The server under test. Missing is a failure, not a skip: these are the module's tests.
    static func serverURL() throws -> String {
        guard let url = TestServices.value("DATABASE_URL"), !url.isEmpty else {
            throw TestSetupError(
                "DATABASE_URL is not set. Start a server first: source scripts/lib/postgres.sh && pg_start /tmp/okf-pg")
        }
        return url
    }

    /// Creates `t_<random>`, runs `body` with it, and drops it afterwards.
    static func with<T>(_ body: (TestDatabase) async throws -> T) async throws -> T {
        let serverURL = try serverURL()
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        let admin = try PostgresConnection(url: serverURL)
        try admin.execute("CREATE DATABASE \(name)")
        admin.close()
        let database = TestDatabase(name: name, url: url(serverURL, database: name), serverURL: serverURL)
        defer { database.drop() }
        return try await body(database)
    }

    func connect() throws -> PostgresConnection {
        try PostgresConnection(url: url)
    }

    private func drop() {
        guard let admin = try? PostgresConnection(url: serverURL) else { return }
        try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        admin.close()
    }

    /// The same server with another database: replaces the URI path, or appends `dbname=`.
    static func url(_ url: String, database: String) -> String {
        guard let scheme = url.range(of: "://") else { return url + " dbname=\(database)" }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let query = rest[authorityEnd...].firstIndex(of: "?").map { String(rest[$0...]) } ?? ""
        return String(url[..<authorityEnd]) + "/" + database + query
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Thrown by test bodies to make a transaction roll back.
struct IntentionalFailure: Error {}

let testLogger: Logger = {
    var logger = Logger(label: "PostgresTests")
    logger.logLevel = .warning
    return logger
}()
