import Console
import Foundation
import TestSupport
import Testing
import Worker

/// The console in a real browser: Debian's Chromium, headless, driven by Selenium through
/// `Tests/Browser/console_walkthrough.py` (log in wrong and right, the queue, a decision, a
/// review through the form, XSS and CSRF attempts, a viewer). This test sets up the decisions
/// and the users, runs the walkthrough, and checks what it did in PostgreSQL and on the
/// results topic. Screenshots go to the run's log folder (`console-screenshots/`).
@Suite(.timeLimit(.minutes(4)), .offCooperativePool)
struct ConsoleBrowserTests {
    @Test("log in, review through the form, the new revision on the results topic; XSS shows as text, a forged form changes nothing, a viewer gets no form")
    func walkthrough() async throws {
        guard let python = TestServices.value("OKAYFACE_TEST_BROWSER_PYTHON"),
              let chromedriver = TestServices.value("OKAYFACE_TEST_CHROMEDRIVER")
        else {
            Issue.record("OKAYFACE_TEST_BROWSER_PYTHON and OKAYFACE_TEST_CHROMEDRIVER are not set: run the tests through scripts/test or swift test, which install them")
            return
        }
        let c = try await ConsoleStack(deadLetters: true)
        _ = try await c.user("rita", .reviewer, password: "rita long passphrase")
        _ = try await c.user("vic", .viewer, password: "vic long passphrase")
        try await c.stack.db.withConnection { connection in
            _ = try connection.query("UPDATE verification_results SET subject = '<script>alert(1)</script>' WHERE request_id = 'r-rejected'")
        }
        let out = (ProcessInfo.processInfo.environment["OKAYFACE_TEST_LOG_DIR"] ?? c.stack.scratch) + "/console-screenshots"
        var arguments = [
            TestStack.root + "/Tests/Browser/console_walkthrough.py", "--base", c.baseURL, "--chromedriver", chromedriver, "--out", out,
            "--reviewer", "rita:rita long passphrase", "--viewer", "vic:vic long passphrase", "--request", "r-review",
            "--xss-request", "r-rejected",
        ]
        if let chromium = TestServices.value("OKAYFACE_TEST_CHROMIUM") { arguments += ["--chromium", chromium] }
        let run = try await CommandRun.run(python, arguments, environment: [
            "PATH": "/usr/bin:/bin", "HOME": c.stack.scratch,
            // Selenium is handed the driver and the browser: nothing to look up or download.
            "SE_OFFLINE": "true", "SE_AVOID_STATS": "true",
        ])
        #expect(run.status == 0, "\(run.err)\n\(run.out)")

        // What the browser did, seen from the database and the results topic.
        let reviewed = try #require(try await c.stack.decision("r-review"))
        #expect(reviewed.int("revision") == 2 && reviewed.string("decision") == "approved" && reviewed.string("reviewed_by") == "rita")
        let events = try await c.events(of: "r-review", expected: 2)
        let review = try #require(events.first { $0["revision"] as? Int == 2 }?["review"] as? [String: Any])
        #expect(review["reviewer"] as? String == "rita" && review["reason"] as? String == "checked the documents on a video call")
        // The forged form changed nothing.
        #expect(try await c.stack.decision("r-rejected")?.int("revision") == 1)
        #expect(try await c.stack.count("SELECT count(*) FROM review_proposals") == 0)
        let logins = try await c.stack.query("SELECT actor, action FROM audit_log WHERE action IN ('login', 'login_failed') ORDER BY id")
        #expect(logins.map { "\($0.string("actor") ?? "") \($0.string("action") ?? "")" } == ["rita login_failed", "rita login", "vic login"])
        for page in ["login-failed", "decisions", "quality", "dead-letters", "review-queue", "decision", "decision-reviewed", "decision-xss", "viewer-decision"] {
            #expect(FileManager.default.fileExists(atPath: "\(out)/\(page).png"), "\(page).png")
        }
        try await c.close()
    }
}
