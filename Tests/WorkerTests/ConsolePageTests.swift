import Console
import Foundation
import Kafka
import Postgres
import TestSupport
import Testing
import Verification
import WebClient
import Worker

/// The console's pages over HTTP (the browser tests drive the same pages in Chromium): a
/// session or the login page, the security headers on every page, escaping, CSRF, roles.
@Suite(.timeLimit(.minutes(4)), .offCooperativePool)
struct ConsolePageTests {
    /// Logs in through the form; answers the session cookie header and the session's CSRF token.
    static func login(_ c: ConsoleStack, _ name: String, _ password: String) async throws -> (cookie: [HTTPHeader], csrf: String) {
        let answer = try await c.call("POST", "/login", form: "username=\(name)&password=\(password.replacingOccurrences(of: " ", with: "+"))")
        #expect(answer.status == 303, "\(answer.text)")
        let cookie = try #require(answer.header("Set-Cookie"))
        let session = String(cookie.dropFirst("okayface_session=".count).prefix { $0 != ";" })
        let csrf = try #require(try await c.stack.query("SELECT csrf_token FROM console_sessions WHERE session_hash = \(SecretToken.hash(session))").first?.string("csrf_token"))
        return (HTTPHeaderList.cookie(session), csrf)
    }

    @Test("pages need a session, carry the CSP and escape every value; a form without its CSRF token changes nothing; a viewer gets no form")
    func pages() async throws {
        let c = try await ConsoleStack(deadLetters: true)
        _ = try await c.user("alice", .reviewer, password: "alice long passphrase")
        _ = try await c.user("vera", .viewer, password: "vera long passphrase")
        try await c.stack.db.withConnection { connection in
            _ = try connection.query("UPDATE verification_results SET subject = '<script>alert(1)</script>' WHERE request_id = 'r-review'")
        }

        // No session: every page sends the browser to /login, which says where to come back to.
        for path in ["/", "/decisions/r-review", "/review-queue"] {
            let answer = try await c.call("GET", path)
            #expect(answer.status == 303 && answer.header("Location")?.hasPrefix("/login?next=") == true, "\(path)")
        }
        let loginPage = try await c.call("GET", "/login?next=%2Freview-queue")
        #expect(loginPage.status == 200 && loginPage.text.contains(#"name="username""#) && loginPage.text.contains(#"name="password""#))
        #expect(loginPage.text.contains(#"value="/review-queue""#))
        #expect(try await c.call("GET", "/login?next=https://evil.example/").text.contains(#"name="next" value="/""#))

        let wrong = try await c.call("POST", "/login", form: "username=alice&password=nope")
        #expect(wrong.status == 401 && wrong.text.contains("Wrong user name or password") && wrong.text.contains(#"value="alice""#))

        let (cookie, csrf) = try await Self.login(c, "alice", "alice long passphrase")
        for path in ["/", "/decisions/r-review", "/review-queue", "/?decision=review"] {
            let answer = try await c.call("GET", path, headers: cookie)
            #expect(answer.status == 200, "\(path): \(answer.text)")
            #expect(answer.header("Content-Security-Policy")?.hasPrefix("default-src 'self'") == true, "\(path)")
            #expect(answer.header("Cache-Control") == "no-store" && answer.header("X-Frame-Options") == "DENY")
            // The subject is shown as text, never as markup.
            #expect(!answer.text.contains("<script>"), "\(path)")
            #expect(!answer.text.contains("<script"), "\(path)")
        }
        let decisionPage = try await c.call("GET", "/decisions/r-review", headers: cookie).text
        #expect(decisionPage.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(decisionPage.contains("imageBestLiveness.probability") && decisionPage.contains("await_review"))
        #expect(decisionPage.contains(#"name="action""#) && decisionPage.contains(#"name="reason""#))
        #expect(decisionPage.contains("UTC"))
        #expect(try await c.call("GET", "/", headers: cookie).text.contains("r-review"))
        let badFilter = try await c.call("GET", "/?decision=aproved", headers: cookie)
        #expect(badFilter.status == 400 && badFilter.text.contains("decision must be"))
        #expect(try await c.call("GET", "/decisions/r-nothing", headers: cookie).status == 404)
        #expect(try await c.call("GET", "/static/console.css").status == 200)

        // Dead letters, read from the DLQ topic: why, from where, and the bytes as escaped text.
        let letters = try await c.call("GET", "/dead-letters", headers: cookie)
        #expect(letters.status == 200 && letters.text.contains("malformed_json"), "\(letters.text)")
        #expect(letters.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !letters.text.contains("<script>"))
        #expect(letters.text.contains(#"{\x00\t\xff}"#))
        #expect(letters.text.contains("2 on <code>okayface.verification.requests.dlq</code>"))
        #expect(try await c.call("GET", "/dead-letters?code=not_an_object", headers: cookie).text.contains("No dead letters."))

        // Quality: charts drawn by the server, and what other thresholds would have done, in SQL.
        let quality = try await c.call("GET", "/quality", headers: cookie)
        #expect(quality.status == 200 && quality.text.components(separatedBy: "<svg").count - 1 == 4, "\(quality.text)")
        #expect(quality.text.contains("threshold 75") && quality.text.contains("threshold 0.5"))
        let whatIf = try await c.call("GET", "/quality?since=1h&liveness=0.05&livenessReviewBand=0", headers: cookie)
        #expect(whatIf.text.contains("2 of 3 decisions would change"), "\(whatIf.text)")
        let badWhatIf = try await c.call("GET", "/quality?faceConfidence=500", headers: cookie)
        #expect(badWhatIf.status == 400 && badWhatIf.text.contains("Face match threshold must be a number in 0–100"))

        // A form post without the CSRF token: 403, and nothing changes.
        let forged = try await c.call("POST", "/decisions/r-review/review", form: "action=approve&reason=forged&expectedRevision=1", headers: cookie)
        #expect(forged.status == 403 && forged.text.contains("nothing was changed"))
        #expect(try await c.stack.decision("r-review")?.int("revision") == 1)
        let wrongToken = try await c.call(
            "POST", "/decisions/r-review/review", form: "action=approve&reason=forged&expectedRevision=1&csrf=guess", headers: cookie)
        #expect(wrongToken.status == 403)
        #expect(try await c.stack.decision("r-review")?.int("revision") == 1)

        // With it: the review is in force, and the page says so.
        let reviewed = try await c.call(
            "POST", "/decisions/r-review/review", form: "action=approve&reason=looked+at+the+call&expectedRevision=1&csrf=\(csrf)", headers: cookie)
        #expect(reviewed.status == 303 && reviewed.header("Location") == "/decisions/r-review?done=revised")
        #expect(try await c.stack.decision("r-review")?.int("revision") == 2)
        let after = try await c.call("GET", "/decisions/r-review?done=revised", headers: cookie).text
        #expect(after.contains("The review is in force") && after.contains("looked at the call"))
        // The same form again (a second click) changes nothing and says why.
        let again = try await c.call(
            "POST", "/decisions/r-review/review", form: "action=approve&reason=looked+at+the+call&expectedRevision=1&csrf=\(csrf)", headers: cookie)
        #expect(again.header("Location") == "/decisions/r-review?refused=stale_revision")
        #expect(try await c.stack.decision("r-review")?.int("revision") == 2)

        // Images: for reviewers, loaded through the worker's sources, never cached, each view audited.
        #expect(decisionPage.contains(#"src="/decisions/r-review/images/idCard""#) && decisionPage.contains("SDK bundle: "))
        let card = try await c.call("GET", "/decisions/r-review/images/idCard", headers: cookie)
        #expect(card.status == 200 && card.header("Content-Type") == "image/png" && card.header("Cache-Control") == "no-store")
        #expect(card.body.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let onDisk = try Data(contentsOf: URL(fileURLWithPath: c.stack.samples + "/images/person1-idcard.png"))
        #expect(card.body == Array(onDisk))
        #expect(try await c.call("GET", "/decisions/r-review/images/best", headers: cookie).status == 200)
        #expect(try await c.call("GET", "/decisions/r-review/images/mobileSdkData", headers: cookie).status == 404)
        #expect(try await c.call("GET", "/decisions/r-review/images/idCard").status == 401)
        #expect(try await c.stack.count("SELECT count(*) FROM audit_log WHERE action = 'image_viewed' AND target = 'r-review'") == 2)

        // A viewer sees the decision and no form, and cannot post one.
        let (viewer, viewerCSRF) = try await Self.login(c, "vera", "vera long passphrase")
        let viewerPage = try await c.call("GET", "/decisions/r-rejected", headers: viewer).text
        #expect(viewerPage.contains("r-rejected") && !viewerPage.contains(#"name="action""#) && !viewerPage.contains("<img"))
        #expect(try await c.call("GET", "/decisions/r-rejected/images/idCard", headers: viewer).status == 403)
        let viewerPost = try await c.call(
            "POST", "/decisions/r-rejected/review", form: "action=approve&reason=x&expectedRevision=1&csrf=\(viewerCSRF)", headers: viewer)
        #expect(viewerPost.status == 403)
        #expect(try await c.stack.decision("r-rejected")?.int("revision") == 1)
        try await c.close()
    }

    @Test("an admin replays the dead letters from their page, once, audited; a reviewer gets no form and cannot post one")
    func deadLetterReplay() async throws {
        let c = try await ConsoleStack(deadLetters: true)
        _ = try await c.user("ada", .admin, password: "ada long passphrase")
        _ = try await c.user("alice", .reviewer, password: "alice long passphrase")
        let (admin, adminCSRF) = try await Self.login(c, "ada", "ada long passphrase")
        let (reviewer, reviewerCSRF) = try await Self.login(c, "alice", "alice long passphrase")

        let page = try await c.call("GET", "/dead-letters", headers: admin).text
        #expect(page.contains(#"action="/dead-letters/replay""#) && page.contains("Replay 2 letters"), "\(page)")
        #expect(!(try await c.call("GET", "/dead-letters", headers: reviewer).text.contains("/dead-letters/replay")))
        let byReviewer = try await c.call("POST", "/dead-letters/replay", form: "code=&csrf=\(reviewerCSRF)", headers: reviewer)
        #expect(byReviewer.status == 403 && byReviewer.text.contains("needs the admin role"), "\(byReviewer.text)")
        let forged = try await c.call("POST", "/dead-letters/replay", form: "code=", headers: admin)
        #expect(forged.status == 403)
        #expect(try await c.stack.count("SELECT count(*) FROM dlq_replays") == 0)

        let replayed = try await c.call("POST", "/dead-letters/replay", form: "code=&csrf=\(adminCSRF)", headers: admin)
        #expect(replayed.status == 200 && replayed.text.contains("Replayed 2 of 2 letters."), "\(replayed.text)")
        #expect(replayed.text.contains("<td>yes</td>") && !replayed.text.contains("<td>no</td>"))
        // A second click: both were replayed before, so nothing is published.
        let again = try await c.call("POST", "/dead-letters/replay", form: "code=&csrf=\(adminCSRF)", headers: admin)
        #expect(again.text.contains("Replayed 0 of 2 letters; 2 skipped: replayed before."), "\(again.text)")

        let requests = try await TopicReader.read(brokers: c.stack.kafka.bootstrapServers, topic: TestStack.requestTopic, logger: c.stack.logger)
        let replays = requests.filter { m in m.headers.contains { $0.key == "replay.of" } }
        #expect(replays.map(\.value).sorted { $0.lexicographicallyPrecedes($1) } == ConsoleStack.letters.sorted { $0.lexicographicallyPrecedes($1) })
        #expect(try await c.stack.count("SELECT count(*) FROM dlq_replays WHERE replayed_by = 'ada'") == 2)
        #expect(try await c.stack.count("SELECT count(*) FROM audit_log WHERE action = 'dlq_replayed' AND actor = 'ada' AND address IS DISTINCT FROM 'cli'") == 2)
        try await c.close()
    }

    @Test("PostgreSQL or Kafka out of reach: a page that says which, not a stack trace")
    func outages() async throws {
        let c = try await ConsoleStack()
        _ = try await c.user("alice", .reviewer, password: "alice long passphrase")
        let (cookie, _) = try await Self.login(c, "alice", "alice long passphrase")

        // Port 1 on loopback: nothing listens there.
        let noKafka = try await c.anotherConsole(["KAFKA_BROKERS": "127.0.0.1:1"])
        let letters = try await c.call("GET", "/dead-letters", headers: cookie, base: noKafka.baseURL)
        #expect(letters.status == 503 && letters.text.contains("Kafka cannot be reached (KAFKA_BROKERS 127.0.0.1:1)"), "\(letters.text)")
        #expect(letters.header("Content-Type")?.hasPrefix("text/html") == true && letters.text.contains("Log out"))
        try await noKafka.stop()

        let noDatabase = try await c.anotherConsole(["DATABASE_URL": "postgresql://postgres@127.0.0.1:1/okayface"])
        for (method, path, form) in [("GET", "/", nil), ("GET", "/decisions/r-review", nil), ("POST", "/login", "username=alice&password=x")] {
            let answer = try await c.call(method, path, form: form, headers: cookie, base: noDatabase.baseURL)
            #expect(answer.status == 503 && answer.text.contains("PostgreSQL") && answer.header("Content-Type")?.hasPrefix("text/html") == true,
                    "\(path): \(answer.text)")
            #expect(!answer.text.contains("Error(") && !answer.text.contains("PostgresError"))
        }
        #expect(try await c.call("GET", "/readyz", base: noDatabase.baseURL).status == 503)
        try await noDatabase.stop()
        try await c.close()
    }
}
