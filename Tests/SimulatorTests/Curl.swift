import Blocking
import Foundation

/// A minimal HTTP client for the tests: spawns /usr/bin/curl, whose `-F` builds real multipart
/// bodies the way an independent client would. (The project's libcurl client is tested elsewhere.)
enum Curl {
    /// One HTTP answer.
    struct Reply: Sendable {
        var status: Int
        var body: String

        /// The body as a JSON object (empty when it is not one).
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }

        /// `message` of a `{"status":"error","message":…}` body.
        var message: String? { json["message"] as? String }
    }

    /// One multipart field: text (sent verbatim with `--form-string`) or a file's bytes.
    enum Field: Sendable {
        case text(String, String)
        case file(String, URL, type: String = "application/octet-stream")
    }

    static func postJSON(_ url: String, _ body: String) async throws -> Reply {
        try await run(["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", body, url])
    }

    static func postForm(_ url: String, _ fields: [Field], extraArguments: [String] = []) async throws -> Reply {
        var arguments: [String] = extraArguments
        for field in fields {
            switch field {
            case .text(let name, let value): arguments += ["--form-string", "\(name)=\(value)"]
            case .file(let name, let path, let type): arguments += ["-F", "\(name)=@\(path.path);type=\(type)"]
            }
        }
        return try await run(arguments + [url])
    }

    /// Runs curl with `arguments` (plus silence, no `Expect: 100-continue`, since Hummingbird does
    /// not answer it and curl would wait a second) and waits without blocking a thread: the server
    /// under test runs on the same cooperative pool.
    static func run(_ arguments: [String]) async throws -> Reply {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-sS", "-H", "Expect:", "-o", output.path, "-w", "%{http_code}"] + arguments
        let statusPipe = Pipe()
        process.standardOutput = statusPipe
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do {
                try ProcessLaunch.run(process)
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let statusText = String(decoding: statusPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let body = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0, let status = Int(statusText) else {
            throw CurlError(arguments: arguments, exitCode: process.terminationStatus)
        }
        return Reply(status: status, body: body)
    }

    struct CurlError: Error {
        var arguments: [String]
        var exitCode: Int32
    }
}
