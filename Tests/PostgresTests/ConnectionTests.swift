import Foundation
import TestSupport
import Testing

@testable import Postgres

/// Errors, multi-statement execution and a connection whose server session disappears.
@Suite(.offCooperativePool) struct ConnectionTests {
    @Test func uniqueViolationCarriesSQLState() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            try connection.execute("CREATE TABLE u (id text PRIMARY KEY)")
            try connection.query("INSERT INTO u VALUES (\("a"))")
            let error = try #require(throws: PostgresError.self) {
                try connection.query("INSERT INTO u VALUES (\("a"))")
            }
            #expect(error.sqlState == "23505")
            #expect(!error.isConnectionError)
            #expect(error.description.contains("23505"))
            // The session is still usable after a statement error.
            #expect(try connection.query("SELECT 1 AS one").first?.int("one") == 1)
        }
    }

    @Test func syntaxErrorCarriesSQLState() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            let error = try #require(throws: PostgresError.self) { try connection.execute("SELEC 1") }
            #expect(error.sqlState == "42601")
            #expect(!error.message.isEmpty)
        }
    }

    @Test func executeRunsSeveralStatements() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            try connection.execute("CREATE TABLE a (n int); INSERT INTO a VALUES (1), (2); CREATE TABLE b (n int);")
            #expect(try connection.query("SELECT count(*) AS n FROM a").first?.int("n") == 2)
            #expect(try connection.query("SELECT count(*) AS n FROM b").first?.int("n") == 0)
        }
    }

    @Test func refusedConnectionIsAConnectionError() throws {
        let error = try #require(throws: PostgresError.self) {
            _ = try PostgresConnection(url: "postgresql://postgres@127.0.0.1:1/okayface")
        }
        #expect(error.isConnectionError)
    }

    @Test func queryOnATerminatedSessionIsAConnectionErrorAndResetRecovers() async throws {
        try await TestDatabase.with { database in
            let victim = try database.connect()
            let admin = try database.connect()
            let pid = try #require(try victim.query("SELECT pg_backend_pid() AS pid").first?.int("pid"))
            try admin.query("SELECT pg_terminate_backend(\(pid)::int)")

            let error = try #require(throws: PostgresError.self) { try victim.query("SELECT 1") }
            #expect(error.isConnectionError)
            #expect(!victim.isHealthy)

            try victim.reset()
            #expect(victim.isHealthy)
            let newPID = try #require(try victim.query("SELECT pg_backend_pid() AS pid").first?.int("pid"))
            #expect(newPID != pid)
        }
    }

    @Test func probeNoticesATerminatedSessionWithoutAQuery() async throws {
        try await TestDatabase.with { database in
            let victim = try database.connect()
            let admin = try database.connect()
            #expect(victim.probe())
            try admin.query("SELECT pg_terminate_backend(\(victim.backendPID)::int)")
            try await waitUntil("the idle connection sees the session end") { !victim.probe() }
            #expect(!victim.isHealthy)
        }
    }

    @Test func closedConnectionThrows() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            connection.close()
            connection.close()
            #expect(!connection.isHealthy)
            let error = try #require(throws: PostgresError.self) { try connection.query("SELECT 1") }
            #expect(error.isConnectionError)
        }
    }

    @Test func connectTimeoutDefaultsToFiveUnlessTheURLSetsIt() throws {
        let url = try TestDatabase.serverURL()
        #expect(try PostgresConnection(url: url).option("connect_timeout") == "5")
        let separator = url.contains("://") ? (url.contains("?") ? "&" : "?") : " "
        let connection = try PostgresConnection(url: url + separator + "connect_timeout=2")
        #expect(connection.option("connect_timeout") == "2")
        #expect(try connection.query("SELECT current_setting('DateStyle') AS d").first?["d"] == "ISO, MDY")
    }
}
