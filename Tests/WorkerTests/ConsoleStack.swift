import Blocking
import Console
import Foundation
import Kafka
import Postgres
import Synchronization
import TestSupport
import Testing
import Verification
import WebClient
import Worker

/// A `TestStack` with the worker's decisions in it and the console running in this process
/// against the same PostgreSQL and mock cluster, plus an HTTP client (the project's curl one)
/// to call the console as any client would.
final class ConsoleStack: Sendable {
    let stack: TestStack
    let http: WebClient
    /// The console's base URL, and how to stop it.
    private let main: (baseURL: String, stop: @Sendable () async throws -> Void)

    /// Requests the worker decides before the console starts: one of each decision.
    static let decided = ["r-approved": "approved", "r-rejected": "rejected", "r-review": "review", "r-error": "error"]

    /// Dead letters some stacks add: bytes that are not JSON, holding markup, a NUL and a tab.
    static let letters: [[UInt8]] = [Array("<script>alert(1)</script>".utf8), [0x7B, 0x00, 0x09, 0xFF, 0x7D]]

    init(fourEyes: String = "approvals", deadLetters: Bool = false) async throws {
        stack = try await TestStack()
        http = WebClient(logger: stack.logger)
        let worker = try stack.startWorker(["REVIEW_BAND_LIVENESS": "0.2"])
        let review = try stack.directive(#"{"simulate":{"faceConfidence":90,"liveness":0.4,"captureLiveness":0.9}}"#)
        let rejected = try stack.directive(#"{"simulate":{"faceConfidence":90,"liveness":0.1,"captureLiveness":0.9}}"#)
        try await stack.publish(stack.request("r-approved", subject: "customer-1"))
        try await stack.publish(stack.request("r-rejected", sdk: rejected, subject: "customer-2"))
        try await stack.publish(stack.request("r-review", sdk: review, subject: "customer-3"))
        try await stack.publish(stack.request("r-error", journeyId: "00000000-0000-4000-8000-000000000000", subject: "customer-4"))
        if deadLetters {
            for letter in Self.letters { try await stack.publish(letter, key: "bad-upstream") }
        }
        try await stack.waitForDecisions(Self.decided.count)
        if deadLetters { _ = try await stack.deadLetters(expected: Self.letters.count) }
        try await worker.stop()

        main = try await Self.console(on: stack, ["REVIEW_FOUR_EYES": fourEyes, "CONSOLE_DATABASE_POOL_SIZE": "3"])
    }

    var baseURL: String { main.baseURL }

    /// A console on this stack, running in this process, with `overrides` laid over the stack's
    /// settings (a Kafka or a PostgreSQL that is not there); answers its base URL and how to stop it.
    func anotherConsole(_ overrides: [String: String]) async throws -> (baseURL: String, stop: @Sendable () async throws -> Void) {
        try await Self.console(on: stack, overrides)
    }

    private static func console(
        on stack: TestStack, _ overrides: [String: String]
    ) async throws -> (baseURL: String, stop: @Sendable () async throws -> Void) {
        let configuration = try ConsoleConfiguration.load(stack.environment(["CONSOLE_PORT": "0", "CONSOLE_DATABASE_POOL_SIZE": "2"].merging(overrides) { _, new in new }))
        let trigger = GracefulShutdownTrigger()
        let box = PortBox()
        let logger = stack.logger
        let task = Task {
            try await ConsoleApplication(configuration: configuration, logger: logger).run(signals: [], trigger: trigger) { port in
                box.port.withLock { $0 = port }
            }
        }
        try await waitUntil("the other console listens") { box.port.withLock { $0 } != nil }
        return ("http://127.0.0.1:\(box.port.withLock { $0 } ?? 0)", {
            trigger.shutdown()
            try await task.value
        })
    }

    /// Adds a user as `users add` does and gives them an API token, as `tokens create` does.
    func user(_ name: String, _ role: ConsoleRole, password: String = "correct horse battery staple") async throws -> String {
        let hash = await Passwords.hash(password)
        return try await stack.db.withConnection { connection in
            try People.addUser(name: name, role: role, passwordHash: hash, by: "test", address: "cli", on: connection)
            return try People.createToken(user: name, label: "tests", by: "test", address: "cli", on: connection)
        }
    }

    /// An HTTP exchange with the console.
    struct Answer: Sendable {
        var status: Int
        var headers: [HTTPHeader]
        var body: [UInt8]

        /// The body as a JSON object (empty when it is not one).
        var json: [String: Any] {
            ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]) ?? [:]
        }

        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        var text: String { String(decoding: body, as: UTF8.self) }

        func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
        func headers(_ name: String) -> [String] { headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value) }
    }

    func call(
        _ method: String, _ path: String, token: String? = nil, json: String? = nil, form: String? = nil, headers: [HTTPHeader] = [],
        base: String? = nil
    ) async throws -> Answer {
        var all = headers
        if let token { all.append(HTTPHeader(name: "Authorization", value: "Bearer \(token)")) }
        var body = WebRequestBody.empty
        if let json {
            all.append(HTTPHeader(name: "Content-Type", value: "application/json"))
            body = .bytes(Array(json.utf8))
        } else if let form {
            all.append(HTTPHeader(name: "Content-Type", value: "application/x-www-form-urlencoded"))
            body = .bytes(Array(form.utf8))
        } else if method == "POST" {
            body = .bytes([])
        }
        let response = try await http.execute(WebRequest(method: method, url: (base ?? baseURL) + path, headers: all, body: body))
        return Answer(status: response.status, headers: response.headers, body: response.body)
    }

    /// A review action's JSON body.
    static func review(_ action: String, reason: String = "checked the documents", revision: Int = 1) -> String {
        #"{"action":"\#(action)","reason":"\#(reason)","expectedRevision":\#(revision)}"#
    }

    /// The results topic's events of one request, in order.
    func events(of requestId: String, expected: Int) async throws -> [[String: Any]] {
        var found: [[String: Any]] = []
        try await waitUntil("\(expected) events of \(requestId) on the results topic") {
            let messages = try await stack.results()
            found = messages.filter { $0.key == Array(requestId.utf8) }
                .compactMap { try? JSONSerialization.jsonObject(with: Data($0.value)) as? [String: Any] }
            return Set(found.compactMap { $0["revision"] as? Int }).count >= expected
        }
        return found
    }

    func close() async throws {
        try await main.stop()
        await BlockingWork.run { [http] in http.shutdown() }
        await stack.close()
    }
}
