import Foundation
import Logging
import Postgres
import Synchronization
import Worker

/// A run's own database (chaos, bench): created fresh beside the given server URL, migrated,
/// and watched while the workers drain. Reads survive a PostgreSQL restart: the pool
/// reconnects, and a failed poll just keeps the last figures.
final class ScratchDatabase: Sendable {
    struct Progress: Sendable {
        var rows = 0
        var unsent = 0
        var polledAt: ContinuousClock.Instant?
    }

    let url: String
    let name: String
    private let pool: PostgresPool
    private let latest = Mutex(Progress())

    /// `CREATE DATABASE <prefix>_<random>` on the server of `serverURL`, then the migrations.
    static func create(prefix: String, serverURL: String, migrations: String, logger: Logger) throws -> ScratchDatabase {
        let name = prefix + "_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let admin = try PostgresConnection(url: serverURL)
        defer { admin.close() }
        try admin.execute("CREATE DATABASE \(name)")
        let url = replacingDatabase(in: serverURL, with: name)
        _ = try DatabaseMigrations.migrate(databaseURL: url, directory: migrations, logger: logger)
        return ScratchDatabase(url: url, name: name, logger: logger)
    }

    private init(url: String, name: String, logger: Logger) {
        self.url = url
        self.name = name
        pool = PostgresPool(url: url, size: 2, logger: logger)
    }

    /// `postgresql://host:port/db?params` with `db` replaced.
    static func replacingDatabase(in url: String, with name: String) -> String {
        let parts = url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var base = String(parts[0])
        let query = parts.count > 1 ? "?" + parts[1] : ""
        let scheme = base.range(of: "://").map { base[$0.upperBound...] } ?? base[...]
        if let slash = scheme.firstIndex(of: "/") {
            base = String(base[..<slash])
        }
        return base + "/" + name + query
    }

    var progress: Progress { latest.withLock { $0 } }

    /// Polls the figures every `interval` until cancelled.
    func watch(every interval: Duration) async {
        while !Task.isCancelled {
            if let now = try? await poll() { latest.withLock { $0 = now } }
            try? await Task.sleep(for: interval)
        }
    }

    private func poll() async throws -> Progress {
        try await pool.withConnection { connection in
            let row = try connection.query("""
                SELECT (SELECT count(*) FROM verification_results) AS rows,
                       (SELECT count(*) FROM outbox WHERE sent_at IS NULL) AS unsent
                """).first
            return Progress(rows: row?.int("rows") ?? 0, unsent: row?.int("unsent") ?? 0, polledAt: .now)
        }
    }

    func query(_ q: PostgresQuery) async throws -> PostgresRows {
        try await pool.withConnection { try $0.query(q) }
    }

    func close() { pool.close() }
}
