import WebClient
import TestSupport
import Testing

@Suite("WebClient round trips against a loopback server", .offCooperativePool)
struct WebClientRoundTripTests {
    @Test func getReturnsStatusHeadersAndBody() async throws {
        try await TestServer.with { base, _ in
            try await withClient { client in
                let response = try await client.execute(WebRequest(url: "\(base)/hello"))
                #expect(response.status == 200)
                #expect(response.body == Array("hello".utf8))
                #expect(response.header("CONTENT-TYPE")?.hasPrefix("text/plain") == true)
                #expect(response.header("content-length") == "5")
            }
        }
    }

    @Test func errorStatusIsAResponseNotAnError() async throws {
        try await TestServer.with { base, _ in
            try await withClient { client in
                let response = try await client.execute(WebRequest(url: "\(base)/teapot"))
                #expect(response.status == 418)
                #expect(response.body == Array("short and stout".utf8))
            }
        }
    }

    @Test func postedBytesComeBackUnchanged() async throws {
        try await TestServer.with { base, _ in
            try await withClient { client in
                let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
                for method in ["POST", "PUT", "PATCH"] {
                    let response = try await client.execute(
                        WebRequest(method: method, url: "\(base)/echo", body: .bytes(payload))
                    )
                    #expect(response.status == 200)
                    #expect(response.body == payload, "\(method)")
                }
                let empty = try await client.execute(WebRequest(method: "POST", url: "\(base)/echo"))
                #expect(empty.status == 200)
                #expect(empty.body.isEmpty)
            }
        }
    }

    @Test(arguments: ["GET", "POST", "PUT", "DELETE", "PATCH"])
    func methodIsSentAsGiven(method: String) async throws {
        try await TestServer.with { base, _ in
            try await withClient { client in
                let response = try await client.execute(WebRequest(method: method, url: "\(base)/method"))
                #expect(String(decoding: response.body, as: UTF8.self) == method)
            }
        }
    }

    @Test func requestHeadersArriveAndExpectIsSuppressed() async throws {
        try await TestServer.with { base, _ in
            try await withClient { client in
                let request = WebRequest(
                    method: "POST",
                    url: "\(base)/describe",
                    headers: [HTTPHeader(name: "X-Test", value: "abc 123"), HTTPHeader(name: "Content-Type", value: "application/json")],
                    body: .bytes(Array(repeating: UInt8(ascii: "a"), count: 4096))
                )
                let response = try await client.execute(request)
                let text = String(decoding: response.body, as: UTF8.self).lowercased()
                #expect(text.contains("x-test: abc 123"))
                #expect(text.contains("content-type: application/json"))
                #expect(!text.contains("expect:"))
            }
        }
    }

    @Test func multipartPartsArriveWithNamesFilenamesTypesAndContent() async throws {
        try await TestServer.with { base, _ in
            try await withClient { client in
                let binary = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
                let parts = [
                    MultipartFormPart(name: "journeyId", data: Array("abc-123".utf8)),
                    MultipartFormPart(name: "imageBest", filename: "best.jpg", contentType: "image/jpeg", data: binary),
                    MultipartFormPart(name: "empty", filename: "empty.bin", contentType: "application/octet-stream", data: []),
                ]
                let response = try await client.execute(WebRequest(method: "POST", url: "\(base)/echo", body: .multipart(parts)))
                #expect(response.status == 200)
                // The body starts with "--<boundary>\r\n".
                let firstLine = try #require(response.body.firstRange(of: [13, 10]))
                let boundary = String(decoding: response.body[2..<firstLine.lowerBound], as: UTF8.self)
                let received = MultipartBody.parse(response.body, boundary: boundary)
                #expect(received.count == 3)
                #expect(received.first == .init(name: "journeyId", filename: nil, contentType: nil, data: Array("abc-123".utf8)))
                #expect(received.dropFirst().first == .init(name: "imageBest", filename: "best.jpg", contentType: "image/jpeg", data: binary))
                #expect(received.last == .init(name: "empty", filename: "empty.bin", contentType: "application/octet-stream", data: []))
            }
        }
    }

    @Test func redirectsAreFollowedOnlyWhenAsked() async throws {
        try await TestServer.with { base, _ in
            try await withClient { client in
                let notFollowed = try await client.execute(WebRequest(url: "\(base)/redirect"))
                #expect(notFollowed.status == 302)
                let followed = try await client.execute(WebRequest(url: "\(base)/redirect", followRedirects: true))
                #expect(followed.status == 200)
                #expect(followed.body == Array("hello".utf8))
            }
        }
    }

    @Test func sequentialRequestsReuseOneConnection() async throws {
        try await TestServer.with { base, _ in
            try await withClient { client in
                var ports: Set<String> = []
                for _ in 0..<5 {
                    let response = try await client.execute(WebRequest(url: "\(base)/peer"))
                    ports.insert(String(decoding: response.body, as: UTF8.self))
                }
                #expect(ports.count == 1)
            }
        }
    }

    @Test func responseAtExactlyTheLimitIsAccepted() async throws {
        try await TestServer.with { base, _ in
            try await withClient { client in
                let response = try await client.execute(WebRequest(url: "\(base)/big?bytes=1000&chunked=1", maxResponseBytes: 1000))
                #expect(response.body.count == 1000)
            }
        }
    }

    /// A small receive buffer (the vendor client's) only means more pieces: a large body, sized
    /// or chunked, arrives whole, and a limit still holds.
    @Test(arguments: [1024, 4096])
    func aSmallReceiveBufferStillGetsTheWholeBody(bytes: Int) async throws {
        try await TestServer.with { base, _ in
            try await withClient { client in
                for query in ["bytes=200000", "bytes=200000&chunked=1"] {
                    var request = WebRequest(url: "\(base)/big?\(query)")
                    request.receiveBufferBytes = bytes
                    let response = try await client.execute(request)
                    #expect(response.body == [UInt8](repeating: UInt8(ascii: "x"), count: 200_000), "\(query)")
                }
                var limited = WebRequest(url: "\(base)/big?bytes=5000&chunked=1", maxResponseBytes: 4000)
                limited.receiveBufferBytes = bytes
                #expect(await executeError(client, limited) == .responseTooLarge)
            }
        }
    }
}
