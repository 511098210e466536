import Digest
import Foundation
import TestSupport
import Testing

@testable import Postgres

/// Loading migration files, and applying them once, in order, even from two replicas at once.
@Suite(.offCooperativePool) struct MigratorTests {
    // MARK: Loading

    @Test func loadsFilesOrderedByVersion() throws {
        let directory = try temporaryDirectory([
            "0002_add_index.sql": "CREATE INDEX i ON t (n);\n",
            "0001_create.sql": "CREATE TABLE t (n int);\n",
            "0010_later.sql": "SELECT 1;\n",
            "README.md": "not a migration",
        ])
        let migrations = try Migrator.load(directory: directory)
        #expect(migrations.map(\.version) == [1, 2, 10])
        #expect(migrations.map(\.name) == ["create", "add_index", "later"])
        #expect(migrations[0].sql == "CREATE TABLE t (n int);\n")
        #expect(migrations[0].checksum == SHA256.hex(Array("CREATE TABLE t (n int);\n".utf8)))
        #expect(migrations[0].checksum.count == 64)
    }

    @Test(arguments: ["create.sql", "0001.sql", "0001_.sql", "v1_create.sql", "0001_bad name.sql"])
    func rejectsBadNames(fileName: String) throws {
        let directory = try temporaryDirectory([fileName: "SELECT 1;"])
        let error = try #require(throws: MigrationError.self) { try Migrator.load(directory: directory) }
        #expect(error.message.contains(fileName))
    }

    @Test func rejectsDuplicateVersions() throws {
        let directory = try temporaryDirectory(["0001_a.sql": "SELECT 1;", "1_b.sql": "SELECT 2;"])
        let error = try #require(throws: MigrationError.self) { try Migrator.load(directory: directory) }
        #expect(error.message.contains("duplicate migration version 1"))
    }

    @Test func missingDirectoryIsAClearError() {
        #expect(throws: MigrationError.self) { try Migrator.load(directory: "/nonexistent/migrations") }
    }

    // MARK: Applying

    @Test func appliesInOrderAndIsIdempotent() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            let first = [
                MigrationFile(version: 1, name: "create", sql: "CREATE TABLE log (step int, at timestamptz DEFAULT clock_timestamp());"),
                MigrationFile(version: 2, name: "second", sql: "INSERT INTO log (step) VALUES (2); INSERT INTO log (step) VALUES (22);"),
            ]
            #expect(try Migrator(migrations: first.reversed(), logger: testLogger).migrate(connection) == [1, 2])
            #expect(try Migrator(migrations: first, logger: testLogger).migrate(connection) == [])

            let third = first + [MigrationFile(version: 3, name: "third", sql: "INSERT INTO log (step) VALUES (3);")]
            #expect(try Migrator(migrations: third, logger: testLogger).migrate(connection) == [3])

            let steps = try connection.query("SELECT step FROM log ORDER BY at, step").compactMap { $0.int("step") }
            #expect(steps == [2, 22, 3])
            let recorded = try connection.query("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version")
            #expect(recorded.compactMap { $0.int("version") } == [1, 2, 3])
            #expect(recorded.compactMap { $0["name"] } == ["create", "second", "third"])
            #expect(recorded.compactMap { $0["checksum"] } == third.map(\.checksum))
            #expect(recorded.allSatisfy { $0.date("applied_at") != nil })
            // The advisory lock is released after a run.
            let locks = try connection.query("SELECT count(*) AS n FROM pg_locks JOIN pg_database d ON d.oid = pg_locks.database WHERE locktype = 'advisory' AND d.datname = current_database()")
            #expect(locks.first?.int("n") == 0)
        }
    }

    @Test func refusesAChangedMigrationAndAppliesNothingFurther() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            let original = [MigrationFile(version: 1, name: "create", sql: "CREATE TABLE a (n int);")]
            _ = try Migrator(migrations: original, logger: testLogger).migrate(connection)

            let edited = [
                MigrationFile(version: 1, name: "create", sql: "CREATE TABLE a (n bigint);"),
                MigrationFile(version: 2, name: "more", sql: "CREATE TABLE b (n int);"),
            ]
            let error = try #require(throws: MigrationError.self) {
                try Migrator(migrations: edited, logger: testLogger).migrate(connection)
            }
            #expect(error.message.contains("0001_create.sql"))
            #expect(error.message.contains("changed"))
            #expect(try connection.query("SELECT to_regclass('b') IS NULL AS absent").first?.bool("absent") == true)
        }
    }

    @Test func refusesWhenAnAppliedMigrationHasNoFile() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            let both = [
                MigrationFile(version: 1, name: "a", sql: "CREATE TABLE a (n int);"),
                MigrationFile(version: 2, name: "b", sql: "CREATE TABLE b (n int);"),
            ]
            _ = try Migrator(migrations: both, logger: testLogger).migrate(connection)
            let error = try #require(throws: MigrationError.self) {
                try Migrator(migrations: [both[0]], logger: testLogger).migrate(connection)
            }
            #expect(error.message.contains("2"))
            #expect(error.message.contains("no file"))
        }
    }

    @Test func aFailingMigrationIsRolledBackAndNotRecorded() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            let migrations = [
                MigrationFile(version: 1, name: "good", sql: "CREATE TABLE good (n int);"),
                MigrationFile(version: 2, name: "bad", sql: "CREATE TABLE half (n int); SELECT no_such_column FROM good;"),
                MigrationFile(version: 3, name: "after", sql: "CREATE TABLE after (n int);"),
            ]
            let error = try #require(throws: MigrationError.self) {
                try Migrator(migrations: migrations, logger: testLogger).migrate(connection)
            }
            #expect(error.message.contains("0002_bad.sql"))
            let state = try #require(
                try connection.query(
                    """
                    SELECT to_regclass('good') IS NOT NULL AS good, to_regclass('half') IS NULL AS half_gone,
                           to_regclass('after') IS NULL AS after_absent,
                           (SELECT array_agg(version ORDER BY version)::text[] FROM schema_migrations) AS versions
                    """
                ).first)
            #expect(state.bool("good") == true)
            #expect(state.bool("half_gone") == true)
            #expect(state.bool("after_absent") == true)
            #expect(state.textArray("versions") == ["1"])
            #expect(connection.isHealthy)
            #expect(!connection.isInTransaction)
        }
    }

    @Test func twoMigratorsRacingApplyEachMigrationOnce() async throws {
        try await TestDatabase.with { database in
            var migrations = [MigrationFile(version: 1, name: "create", sql: "CREATE TABLE runs (version int, backend int);")]
            for version in 2...6 {
                // The sleep widens the window in which the other replica would interfere.
                migrations.append(
                    MigrationFile(
                        version: version, name: "step\(version)",
                        sql: "SELECT pg_sleep(0.05); INSERT INTO runs VALUES (\(version), pg_backend_pid());"))
            }
            let migrator = Migrator(migrations: migrations, logger: testLogger)
            let replicaA = PostgresPool(url: database.url, size: 1, logger: testLogger)
            let replicaB = PostgresPool(url: database.url, size: 1, logger: testLogger)
            defer {
                replicaA.close()
                replicaB.close()
            }
            async let appliedByA = replicaA.withConnection { try migrator.migrate($0) }
            async let appliedByB = replicaB.withConnection { try migrator.migrate($0) }
            let (a, b) = try await (appliedByA, appliedByB)

            #expect((a + b).sorted() == Array(1...6))
            #expect(Set(a).isDisjoint(with: b))
            let connection = try database.connect()
            let runs = try connection.query("SELECT version, count(*) AS n FROM runs GROUP BY version ORDER BY version")
            #expect(runs.compactMap { $0.int("version") } == Array(2...6))
            #expect(runs.allSatisfy { $0.int("n") == 1 })
            #expect(try connection.query("SELECT count(*) AS n FROM schema_migrations").first?.int("n") == 6)
        }
    }

    private func temporaryDirectory(_ files: [String: String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("okf-migrations-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, contents) in files {
            try contents.write(toFile: (directory as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return directory
    }
}
