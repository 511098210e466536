import WebClient
import Payload
import TestSupport
import Testing

/// The parts `/echo` sent back, parsed with the boundary from the body's first line.
private func echoedParts(_ response: WebResponse) throws -> [MultipartBody.Part] {
    let firstLine = try #require(response.body.firstRange(of: [13, 10]))
    let boundary = String(decoding: response.body[2..<firstLine.lowerBound], as: UTF8.self)
    return MultipartBody.parse(response.body, boundary: boundary)
}

private func multipartPost(_ url: String, _ parts: [MultipartFormPart], followRedirects: Bool = false) -> WebRequest {
    WebRequest(method: "POST", url: url, body: .multipart(parts), followRedirects: followRedirects)
}

@Suite("WebClient multipart parts read from files", .offCooperativePool)
struct WebClientFileBodyTests {
    @Test func filePartArrivesExactlyNextToInMemoryParts() async throws {
        try await withScratchFolder { folder in
            // Several upload buffers' worth, and not a multiple of any buffer size.
            let content = patternedBytes(count: 1_234_567)
            let path = folder + "/best.jpg"
            try writeFile(path, content)
            let file = try ReadOnlyFile(path: path)
            try await TestServer.with { base, _ in
                try await withClient { client in
                    let parts = [
                        MultipartFormPart(name: "journeyId", data: Array("abc-123".utf8)),
                        MultipartFormPart(name: "imageBest", filename: "best.jpg", contentType: "image/jpeg", body: .file(file)),
                        MultipartFormPart(name: "tail", data: [1, 2, 3]),
                    ]
                    let response = try await client.execute(multipartPost("\(base)/echo", parts))
                    #expect(response.status == 200)
                    let received = try echoedParts(response)
                    #expect(received.count == 3)
                    #expect(received.first?.data == Array("abc-123".utf8))
                    #expect(received.dropFirst().first == .init(name: "imageBest", filename: "best.jpg", contentType: "image/jpeg", data: content))
                    #expect(received.last?.data == [1, 2, 3])
                }
            }
        }
    }

    /// A retry is a new transfer of the same payload: it must start again from the first byte.
    @Test func sendingTheSameFileAgainSendsItFromTheStart() async throws {
        try await withScratchFolder { folder in
            let content = patternedBytes(count: 300_000, seed: 7)
            let path = folder + "/idcard.png"
            try writeFile(path, content)
            let file = try ReadOnlyFile(path: path)
            try await TestServer.with { base, _ in
                try await withClient { client in
                    let parts = [MultipartFormPart(name: "imageIdCard", filename: "idcard.png", contentType: "image/png", body: .file(file))]
                    for attempt in 1...3 {
                        let response = try await client.execute(multipartPost("\(base)/echo", parts))
                        #expect(try echoedParts(response).first?.data == content, "attempt \(attempt)")
                    }
                }
            }
        }
    }

    /// Concurrent transfers share the descriptor but never a position (pread).
    @Test func concurrentTransfersOfOneFileEachGetAllOfIt() async throws {
        try await withScratchFolder { folder in
            let content = patternedBytes(count: 700_001, seed: 3)
            let path = folder + "/shared.bin"
            try writeFile(path, content)
            let file = try ReadOnlyFile(path: path)
            try await TestServer.with { base, _ in
                try await withClient { client in
                    let parts = [MultipartFormPart(name: "mobileSdkData", filename: "okaycam.bin", body: .file(file))]
                    let bodies = try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
                        for _ in 0..<8 {
                            group.addTask { try echoedParts(try await client.execute(multipartPost("\(base)/echo", parts))).first?.data }
                        }
                        return try await group.reduce(into: [[UInt8]?]()) { $0.append($1) }
                    }
                    #expect(bodies.count == 8)
                    for body in bodies { #expect(body == content) }
                }
            }
        }
    }

    /// A 307 makes libcurl send the body again, rewinding the part through its seek callback.
    @Test func redirectThatKeepsTheMethodResendsTheWholeFile() async throws {
        try await withScratchFolder { folder in
            let content = patternedBytes(count: 200_000, seed: 11)
            let path = folder + "/best.png"
            try writeFile(path, content)
            let file = try ReadOnlyFile(path: path)
            try await TestServer.with { base, _ in
                try await withClient { client in
                    let parts = [MultipartFormPart(name: "imageBest", filename: "best.png", body: .file(file))]
                    let response = try await client.execute(multipartPost("\(base)/redirect-to-echo", parts, followRedirects: true))
                    #expect(response.status == 200)
                    #expect(try echoedParts(response).first?.data == content)
                }
            }
        }
    }

    @Test func fileThatShrankAfterOpeningFailsTheTransferWithAReason() async throws {
        try await withScratchFolder { folder in
            let file = try openedThenShrunk(folder + "/shrinking.jpg", size: 100_000)
            try await TestServer.with { base, _ in
                try await withClient { client in
                    let parts = [MultipartFormPart(name: "imageBest", filename: "best.jpg", body: .file(file))]
                    let error = await executeError(client, multipartPost("\(base)/echo", parts))
                    guard case .transport(_, let message) = error else {
                        Issue.record("expected a transport error, got \(String(describing: error))")
                        return
                    }
                    #expect(message.contains("imageBest"))
                    // The client still works afterwards.
                    let after = try await client.execute(WebRequest(url: "\(base)/hello"))
                    #expect(after.body == Array("hello".utf8))
                }
            }
        }
    }

    /// The transfer holds the file only while it runs: finished, failed and cancelled
    /// transfers all let it close once the caller drops its own reference.
    @Test func transfersReleaseTheFileWhenTheyEnd() async throws {
        guard openDescriptorCount(for: "/") != nil else { return }  // needs /proc
        try await withScratchFolder { folder in
            let filePath = folder + "/released.jpg"
            try writeFile(filePath, patternedBytes(count: 150_000))
            try await TestServer.with { base, observations in
                try await withClient { client in
                    // Each request is built where it is used: a request held in a local would
                    // keep its file open by itself.
                    func post(_ path: String, timeout: Duration = .seconds(30)) throws -> WebRequest {
                        let file = try ReadOnlyFile(path: filePath)
                        let parts = [MultipartFormPart(name: "imageBest", filename: "best.jpg", body: .file(file))]
                        return WebRequest(method: "POST", url: base + path, body: .multipart(parts), timeout: timeout)
                    }
                    _ = try await client.execute(try post("/echo"))
                    #expect(openDescriptorCount(for: filePath) == 0, "after a response")

                    #expect(await executeError(client, try post("/hang?ms=2000", timeout: .milliseconds(200))) == .timedOut)
                    #expect(openDescriptorCount(for: filePath) == 0, "after a timeout")

                    let hangsBefore = observations.snapshot.hangsStarted
                    let task = Task { () async -> WebClientError? in
                        guard let request = try? post("/hang?ms=20000") else { return nil }
                        return await executeError(client, request)
                    }
                    #expect(await eventually { observations.snapshot.hangsStarted > hangsBefore })
                    #expect(openDescriptorCount(for: filePath) == 1, "while the transfer runs")
                    task.cancel()
                    #expect(await task.value == .cancelled)
                }
            }
            #expect(openDescriptorCount(for: filePath) == 0, "after cancellation")
        }
    }
}
