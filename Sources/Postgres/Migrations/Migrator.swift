import Logging

/// Brings a database's schema up to date from an ordered list of SQL migrations.
///
/// Safe to run from several replicas at once: each run holds a session advisory lock for its
/// whole duration, so one replica applies and the others then find nothing to do. Each
/// migration runs in its own transaction together with its `schema_migrations` row, so a
/// migration is recorded if and only if it was applied. Migration files therefore must not
/// contain `BEGIN`/`COMMIT` or statements that cannot run in a transaction
/// (`CREATE INDEX CONCURRENTLY`).
public struct Migrator: Sendable {
    /// The `pg_advisory_lock` key all replicas agree on ("okfmigr" in ASCII).
    static let advisoryLockKey: Int64 = 0x6f6b_666d_6967_72

    public let migrations: [MigrationFile]
    private let logger: Logger

    public init(migrations: [MigrationFile], logger: Logger) {
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Takes a session advisory lock (pg_advisory_lock with a fixed key) so several replicas can
    /// run it at once; creates `schema_migrations`; applies each missing migration in its own
    /// transaction, recording it; refuses (throws, applying nothing further) when an applied
    /// migration's checksum differs from the file's or an applied version has no file.
    /// Returns the versions it applied.
    public func migrate(_ connection: PostgresConnection) throws -> [Int] {
        if let duplicate = Dictionary(grouping: migrations, by: \.version).first(where: { $0.value.count > 1 }) {
            throw MigrationError("duplicate migration version \(duplicate.key)")
        }
        try connection.query("SELECT pg_advisory_lock(\(Self.advisoryLockKey))")
        defer {
            // A lost connection releases the lock by itself, so a failure here changes nothing.
            _ = try? connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))")
        }
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version int PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)

        let applied = try connection.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
        let files = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        var appliedVersions = Set<Int>()
        for row in applied {
            guard let version = row.int("version") else { continue }
            appliedVersions.insert(version)
            guard let file = files[version] else {
                throw MigrationError(
                    "migration \(version) (\(row["name"] ?? "?")) is applied in the database but has no file; refusing to migrate")
            }
            guard row["checksum"] == file.checksum else {
                throw MigrationError(
                    "migration \(Self.fileName(of: file)) was changed after it was applied (checksum \(file.checksum) differs from the recorded \(row["checksum"] ?? "?")); refusing to migrate")
            }
        }

        var newlyApplied: [Int] = []
        for migration in migrations where !appliedVersions.contains(migration.version) {
            let file = Self.fileName(of: migration)
            logger.info("applying migration", metadata: ["migration": "\(file)"])
            do {
                try connection.execute("BEGIN")
                try connection.execute(migration.sql)
                try connection.query(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (\(migration.version), \(migration.name), \(migration.checksum))"
                )
                let tag = try connection.executeReturningCommandTag("COMMIT")
                guard tag == "COMMIT" else {
                    throw PostgresError(message: "the transaction was rolled back (\(tag))")
                }
            } catch let error as PostgresError {
                if connection.isHealthy { _ = try? connection.execute("ROLLBACK") }
                throw MigrationError("migration \(file) failed: \(error)")
            }
            newlyApplied.append(migration.version)
        }
        if newlyApplied.isEmpty {
            logger.info("database schema is up to date", metadata: ["migrations": "\(migrations.count)"])
        } else {
            logger.info("migrations applied", metadata: ["versions": "\(newlyApplied)"])
        }
        return newlyApplied
    }
}
