import Blocking
import Console
import Foundation
import Postgres
import TestSupport
import Testing
import Verification
import WebClient
import Worker

/// Who gets into the console and what is written down about it: logins (failed ones too),
/// sessions and their CSRF token, the user and token commands, the reader role for back-office
/// tools, the decisions list with its filters and pages, and the queue's gauges.
@Suite(.timeLimit(.minutes(4)), .offCooperativePool)
struct ConsoleAccessTests {
    @Test("a failed login is slow, 401 and audited; a good one sets an HttpOnly, SameSite=Strict session cookie that needs its CSRF token to act")
    func loginAndSessions() async throws {
        let c = try await ConsoleStack()
        _ = try await c.user("alice", .reviewer, password: "alice's long passphrase")

        let started = ContinuousClock.now
        let wrong = try await c.call("POST", "/login", form: "username=alice&password=guess")
        #expect(wrong.status == 401 && wrong.header("Set-Cookie") == nil)
        #expect(ContinuousClock.now - started >= .seconds(1), "a failed login is answered after a second")
        #expect(try await c.call("POST", "/login", form: "username=nobody&password=guess").status == 401)

        let good = try await c.call("POST", "/login", form: "username=alice&password=alice%27s+long+passphrase")
        #expect(good.status == 303 && good.header("Location") == "/")
        let cookie = try #require(good.header("Set-Cookie"))
        #expect(cookie.hasPrefix("okayface_session="))
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains("Secure"))
        let session = String(cookie.dropFirst("okayface_session=".count).prefix { $0 != ";" })
        #expect(session.count == 64)
        // Behind a TLS proxy the cookie is Secure.
        let proxied = try await c.call(
            "POST", "/login", form: "username=alice&password=alice%27s+long+passphrase",
            headers: [.init(name: "X-Forwarded-Proto", value: "https")])
        #expect(proxied.header("Set-Cookie")?.contains("Secure") == true)

        // Only the session's hash is stored.
        let stored = try await c.stack.query("SELECT session_hash, csrf_token FROM console_sessions ORDER BY created_at LIMIT 1")
        #expect(stored.first?.string("session_hash") == SecretToken.hash(session))
        let csrf = try #require(stored.first?.string("csrf_token"))

        let withCookie = HTTPHeaderList.cookie(session)
        #expect(try await c.call("GET", "/api/v1/decisions/r-review", headers: withCookie).status == 200)
        let noCSRF = try await c.call("POST", "/api/v1/decisions/r-review/reviews", json: ConsoleStack.review("approve"), headers: withCookie)
        #expect(noCSRF.status == 403 && noCSRF.errorCode == "csrf")
        #expect(try await c.stack.decision("r-review")?.int("revision") == 1)
        let withCSRF = try await c.call(
            "POST", "/api/v1/decisions/r-review/reviews", json: ConsoleStack.review("approve"),
            headers: withCookie + [.init(name: "X-CSRF-Token", value: csrf)])
        #expect(withCSRF.status == 201, "\(withCSRF.text)")

        // Logging out ends the session.
        let out = try await c.call("POST", "/logout", form: "csrf=\(csrf)", headers: withCookie)
        #expect(out.status == 303)
        #expect(try await c.call("GET", "/api/v1/decisions", headers: withCookie).status == 401)

        let audit = try await c.stack.query("SELECT actor, action, address, detail FROM audit_log WHERE action IN ('login', 'login_failed', 'logout') ORDER BY id")
        #expect(audit.map { $0.string("action") ?? "" } == ["login_failed", "login_failed", "login", "login", "logout"])
        #expect(audit.map { $0.string("actor") ?? "" } == ["alice", "nobody", "alice", "alice", "alice"])
        #expect(audit.allSatisfy { $0.string("address") == "127.0.0.1" })
        #expect(audit.first?.string("detail")?.contains("wrong password") == true)
        // No password, hash or token is in the audit log.
        let everything = try await c.stack.query("SELECT detail::text AS d FROM audit_log").map { $0.string("d") ?? "" }.joined()
        #expect(!everything.contains("passphrase") && !everything.contains(session) && !everything.contains("$2"))
        try await c.close()
    }

    @Test("users add, list, disable and tokens create as commands; a disabled user's token stops working; each change audited")
    func userAndTokenCommands() async throws {
        let c = try await ConsoleStack()
        func run(_ arguments: [String], input: String? = nil) async throws -> CommandRun {
            try await CommandRun.run(
                CrashRecoveryTests.binary, arguments,
                environment: ["DATABASE_URL": TestStack.withPassword(c.stack.databaseURL), "PATH": "/usr/bin:/bin", "USER": "ops"],
                input: input)
        }
        let added = try await run(["users", "add", "rita", "--role", "reviewer"], input: "a good long password\n")
        #expect(added.status == 0, "\(added.err)")
        let short = try await run(["users", "add", "sam", "--role", "viewer"], input: "short\n")
        #expect(short.status != 0 && short.err.contains("at least 12 characters"))
        let badRole = try await run(["users", "add", "sam", "--role", "root"], input: "a good long password\n")
        #expect(badRole.status != 0 && badRole.err.contains("viewer, reviewer or admin"))
        let twice = try await run(["users", "add", "rita", "--role", "admin"], input: "a good long password\n")
        #expect(twice.status == 1 && twice.err.contains("exists already"))

        let token = try await run(["tokens", "create", "--user", "rita", "--label", "ci"])
        #expect(token.status == 0 && token.err.contains("shown only this once"))
        let secret = token.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.hasPrefix("okf_") && secret.count == 68)
        #expect(try await c.stack.count("SELECT count(*) FROM console_tokens WHERE token_hash = \(SecretToken.hash(secret))") == 1)
        #expect(try await c.stack.count("SELECT count(*) FROM console_tokens WHERE token_hash = \(secret)") == 0)
        #expect(try await c.call("GET", "/api/v1/review-queue", token: secret).status == 200)
        let noUser = try await run(["tokens", "create", "--user", "nobody"])
        #expect(noUser.status == 1 && noUser.err.contains("no active user nobody"))

        let list = try await run(["users", "list"])
        #expect(list.status == 0 && list.out.contains("rita") && list.out.contains("reviewer") && list.out.contains("active"))

        #expect(try await run(["users", "disable", "rita"]).status == 0)
        #expect(try await c.call("GET", "/api/v1/review-queue", token: secret).status == 401)
        #expect(try await run(["users", "list"]).out.contains("disabled"))
        #expect(try await run(["users", "disable", "nobody"]).status == 1)

        let audit = try await c.stack.query("SELECT actor, action, target FROM audit_log WHERE actor = 'cli:ops' ORDER BY id")
        #expect(audit.map { "\($0.string("action") ?? "") \($0.string("target") ?? "")" } == [
            "user_added rita", "token_created rita", "user_disabled rita",
        ])
        try await c.close()
    }

    @Test("grant-reader: the role reads decisions, history and views, and is refused users, tokens, sessions and the audit log")
    func readerRole() async throws {
        let c = try await ConsoleStack()
        let role = "reader_" + UUID().uuidString.prefix(8).lowercased()
        try await c.stack.db.withConnection { try $0.execute("CREATE ROLE \(role) LOGIN") }
        let granted = try await CommandRun.run(
            CrashRecoveryTests.binary, ["grant-reader", role],
            environment: ["DATABASE_URL": TestStack.withPassword(c.stack.databaseURL), "PATH": "/usr/bin:/bin"])
        #expect(granted.status == 0, "\(granted.err)")
        let missing = try await CommandRun.run(
            CrashRecoveryTests.binary, ["grant-reader", "no_such_role"],
            environment: ["DATABASE_URL": TestStack.withPassword(c.stack.databaseURL), "PATH": "/usr/bin:/bin"])
        #expect(missing.status == 1 && missing.err.contains("no PostgreSQL role no_such_role"))

        // Connect as the role (the test server trusts loopback).
        let url = c.stack.databaseURL.replacingOccurrences(of: "://postgres@", with: "://\(role)@")
        try await BlockingWork.run {
            let reader = try PostgresConnection(url: url)
            defer { reader.close() }
            for table in ["verification_results", "decision_history", "decision_policies", "review_queue", "daily_decision_counts"] {
                _ = try reader.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"))
            }
            for table in ["console_users", "console_tokens", "console_sessions", "audit_log"] {
                #expect(throws: PostgresError.self, "\(table)") { _ = try reader.query(PostgresQuery(unsafeSQL: "SELECT * FROM \(table)")) }
                do {
                    _ = try reader.query(PostgresQuery(unsafeSQL: "SELECT * FROM \(table)"))
                } catch let error as PostgresError {
                    #expect(error.sqlState == "42501", "\(table): \(error)")
                }
            }
            // Reading is all it may do.
            #expect(throws: PostgresError.self) { _ = try reader.query("UPDATE verification_results SET decision = 'approved'") }
        }
        try await c.close()
    }

    @Test("decisions: filters, pages that neither repeat nor skip, 400 naming a bad parameter; the queue and its gauges")
    func listsAndGauges() async throws {
        let c = try await ConsoleStack()
        let vera = try await c.user("vera", .viewer)
        func ids(_ path: String) async throws -> (ids: [String], cursor: String?) {
            let answer = try await c.call("GET", path, token: vera)
            #expect(answer.status == 200, "\(path): \(answer.text)")
            let rows = answer.json["decisions"] as? [[String: Any]] ?? []
            return (rows.compactMap { $0["requestId"] as? String }, answer.json["nextCursor"] as? String)
        }
        #expect(try await ids("/api/v1/decisions?decision=error").ids == ["r-error"])
        #expect(try await ids("/api/v1/decisions?nextAction=await_review").ids == ["r-review"])
        #expect(try await ids("/api/v1/decisions?subject=customer-2").ids == ["r-rejected"])
        #expect(try await ids("/api/v1/decisions?reason=liveness_failed").ids == ["r-rejected"])
        #expect(try await ids("/api/v1/decisions?since=1h&until=\(Timestamp.format(Date().addingTimeInterval(60)))").ids.count == 4)
        #expect(try await ids("/api/v1/decisions?until=2020-01-01T00:00:00Z").ids.isEmpty)

        var seen: [String] = []
        var page = try await ids("/api/v1/decisions?limit=1")
        seen += page.ids
        while let cursor = page.cursor {
            page = try await ids("/api/v1/decisions?limit=1&cursor=\(cursor)")
            seen += page.ids
        }
        #expect(seen.count == 4 && Set(seen) == Set(ConsoleStack.decided.keys))

        for (path, words) in [
            ("/api/v1/decisions?decision=aproved", "decision must be"), ("/api/v1/decisions?limit=0", "limit must be"),
            ("/api/v1/decisions?since=yesterday", "since must be"), ("/api/v1/decisions?cursor=xyz", "cursor"),
            ("/api/v1/decisions?decison=approved", "unknown parameter 'decison'"), ("/api/v1/review-queue?limit=-1", "limit must be"),
        ] {
            let answer = try await c.call("GET", path, token: vera)
            #expect(answer.status == 400 && answer.text.contains(words), "\(path): \(answer.text)")
        }

        // A mistyped address: 404 listing the routes.
        let typo = try await c.call("GET", "/api/v1/decision/r-review", token: vera)
        #expect(typo.status == 404 && typo.text.contains("GET /api/v1/decisions/{requestId}"), "\(typo.text)")

        let queue = try await c.call("GET", "/api/v1/review-queue", token: vera)
        #expect(queue.json["depth"] as? Int == 1)
        let items = try #require(queue.json["items"] as? [[String: Any]])
        #expect(items.map { $0["requestId"] as? String } == ["r-review"])
        #expect((items.first?["ageSeconds"] as? Double ?? -1) >= 0)

        let metrics = try await c.call("GET", "/metrics").text
        #expect(metrics.contains("okayface_review_queue_depth 1"), "\(metrics)")
        #expect(metrics.contains("okayface_review_queue_oldest_age_seconds"))
        #expect(try await c.call("GET", "/readyz").status == 200)
        try await c.close()
    }
}

/// Request headers the console tests send.
enum HTTPHeaderList {
    static func cookie(_ session: String) -> [HTTPHeader] { [.init(name: "Cookie", value: "okayface_session=\(session)")] }
}
