import WebClient
import TestSupport
import Testing

@Suite("WebClient failures", .offCooperativePool)
struct WebClientFailureTests {
    @Test func totalTimeoutFailsWithTimedOut() async throws {
        try await TestServer.with { base, _ in
            try await withClient { client in
                // The server would answer after 2 s; the 300 ms total timeout must win. (No bound
                // on elapsed time: on a loaded machine the timing says nothing.)
                let error = await executeError(client, WebRequest(url: "\(base)/hang?ms=2000", timeout: .milliseconds(300)))
                #expect(error == .timedOut)
            }
        }
    }

    /// A line break in a header or in a part's content type would add lines of the caller's
    /// choosing; such a request is refused before it is sent.
    @Test func headerTextThatCouldAddLinesIsRefused() async throws {
        try await TestServer.with { base, _ in
            try await withClient { client in
                let header = HTTPHeader(name: "X-Note", value: "a\r\nX-Injected: 1")
                let part = MultipartFormPart(name: "imageBest", filename: "best.png", contentType: "image/png\r\nX-Injected: 1", data: [1])
                for request in [
                    WebRequest(url: "\(base)/echo", headers: [header]),
                    WebRequest(method: "POST", url: "\(base)/echo", body: .multipart([part])),
                ] {
                    guard case .transport(_, let message) = await executeError(client, request) else {
                        Issue.record("expected a transport error")
                        continue
                    }
                    #expect(message.contains("X-Note") || message.contains("imageBest"), "\(message)")
                }
                let after = try await client.execute(WebRequest(url: "\(base)/hello"))
                #expect(after.status == 200)
            }
        }
    }

    @Test func refusedConnectionFailsWithConnectFailed() async throws {
        try await withClient { client in
            // Nothing listens on port 1 of the loopback interface.
            let error = await executeError(client, WebRequest(url: "http://127.0.0.1:1/"))
            guard case .connectFailed(let message) = error else {
                Issue.record("expected connectFailed, got \(String(describing: error))")
                return
            }
            #expect(!message.isEmpty)
        }
    }

    @Test(arguments: [false, true])
    func oversizedResponseFailsWithResponseTooLarge(chunked: Bool) async throws {
        try await TestServer.with { base, _ in
            try await withClient { client in
                let url = "\(base)/big?bytes=200000" + (chunked ? "&chunked=1" : "")
                let error = await executeError(client, WebRequest(url: url, maxResponseBytes: 1000))
                #expect(error == .responseTooLarge)
                // The handle is recycled cleanly: the next request on the client works.
                let next = try await client.execute(WebRequest(url: "\(base)/hello"))
                #expect(next.status == 200)
            }
        }
    }

    @Test func cancellingTheTaskRemovesTheTransfer() async throws {
        try await TestServer.with { base, observations in
            try await withClient { client in
                // The server would hang for 20 s; `.cancelled` (not a response) shows the transfer
                // was removed when the task was cancelled.
                let task = Task { await executeError(client, WebRequest(url: "\(base)/hang?ms=20000")) }
                #expect(await eventually { observations.snapshot.hangsStarted == 1 })
                let cancelledAt = ContinuousClock.now
                task.cancel()
                #expect(await task.value == .cancelled)
                #expect(ContinuousClock.now - cancelledAt < .seconds(10))
            }
        }
    }

    @Test func alreadyCancelledTaskFailsWithCancelled() async throws {
        try await withClient { client in
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return await executeError(client, WebRequest(url: "http://127.0.0.1:1/"))
            }
            #expect(await task.value == .cancelled)
        }
    }

    @Test func shutdownFailsPendingTransfersAndLaterRequests() async throws {
        try await TestServer.with { base, observations in
            try await withClient { client in
                let tasks = (0..<3).map { _ in
                    Task { await executeError(client, WebRequest(url: "\(base)/hang?ms=2000")) }
                }
                #expect(await eventually { observations.snapshot.hangsStarted == 3 })
                client.shutdown()
                for task in tasks {
                    #expect(await task.value == .shutDown)
                }
                #expect(await executeError(client, WebRequest(url: "\(base)/hello")) == .shutDown)
                client.shutdown()
            }
        }
    }

    @Test func headerWithLineBreakIsRefused() async throws {
        try await withClient { client in
            let request = WebRequest(url: "http://127.0.0.1:1/", headers: [HTTPHeader(name: "X-Evil", value: "a\r\nInjected: 1")])
            guard case .transport = await executeError(client, request) else {
                Issue.record("expected a transport error")
                return
            }
        }
    }
}
