import Blocking
import DevTools
import Foundation
import Postgres
import TestSupport
import Testing

/// PostgreSQL with TLS and `sslmode=verify-full`, against a server whose certificate comes
/// from the throw-away CA `scripts/test` makes: the worker's connection string is libpq's,
/// so what libpq verifies is what the worker gets.
@Suite(.timeLimit(.minutes(2)), .offCooperativePool)
struct PostgresTLSTests {
    @Test func verifyFullConnectsWithTheServersCAAndRefusesOthers() async throws {
        let ca = try #require(TestServices.value("OKAYFACE_TEST_CA_FILE"))
        let tls = (ca as NSString).deletingLastPathComponent
        let postgres = try await PrivatePostgres.start()
        do {
            try await BlockingWork.run {
                // The server reads its key as its own user, which must own it (0600).
                let data = postgres.control.directory + "/data"
                let owner = try FileManager.default.attributesOfItem(atPath: data)[.ownerAccountName] as? String
                for (source, target) in [("server.pem", "server.crt"), ("server.key", "server.key")] {
                    let path = data + "/" + target
                    try? FileManager.default.removeItem(atPath: path)
                    try FileManager.default.copyItem(atPath: tls + "/" + source, toPath: path)
                    var attributes: [FileAttributeKey: Any] = [.posixPermissions: 0o600]
                    if let owner { attributes[.ownerAccountName] = owner }
                    try FileManager.default.setAttributes(attributes, ofItemAtPath: path)
                }
                let admin = try PostgresConnection(url: postgres.url)
                defer { admin.close() }
                try admin.execute("ALTER SYSTEM SET ssl = on")
                try admin.execute("SELECT pg_reload_conf()")
            }
            let verified = postgres.url + "?sslmode=verify-full&sslrootcert=\(ca)"
            var encrypted: String?
            for _ in 0..<50 where encrypted != "true" {
                try await Task.sleep(for: .milliseconds(100))
                encrypted = try? await Self.ask(verified, "SELECT ssl::text AS v FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            }
            #expect(encrypted == "true")
            // The system's CAs do not know this server's: refused before any query.
            let other = postgres.url + "?sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca-certificates.crt"
            await #expect(throws: PostgresError.self) { _ = try await Self.ask(other, "SELECT 1 AS v") }
            // The pool the worker uses, with the same string.
            let pool = PostgresPool(url: verified, size: 1, logger: .init(label: "tls-test"))
            defer { pool.close() }
            let version = try await pool.withConnection { try $0.query("SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first?.string("version") }
            #expect(version?.hasPrefix("TLSv1.") == true)
        } catch {
            await postgres.destroy()
            throw error
        }
        await postgres.destroy()
    }

    static func ask(_ url: String, _ sql: String) async throws -> String? {
        try await BlockingWork.run {
            let connection = try PostgresConnection(url: url)
            defer { connection.close() }
            return try connection.query(PostgresQuery(unsafeSQL: sql)).first?.string("v")
        }
    }
}
