import WebClient
import Synchronization
import TestSupport
import Testing

/// Collects streamed chunks; refuses once `limit` bytes have arrived.
final class CollectingStream: HTTPBodyStream {
    private let received = Mutex<[UInt8]>([])
    private let limit: Int

    init(limit: Int = .max) { self.limit = limit }

    func receive(_ chunk: UnsafeRawBufferPointer) -> Bool {
        received.withLock { bytes in
            guard bytes.count + chunk.count <= limit else { return false }
            bytes.append(contentsOf: chunk)
            return true
        }
    }

    var bytes: [UInt8] { received.withLock { $0 } }
}

@Suite("WebClient body streams and address checks", .offCooperativePool)
struct WebClientStreamingTests {
    @Test func aSuccessfulBodyGoesToTheStreamAnErrorBodyToTheResponse() async throws {
        try await TestServer.with { base, _ in
            try await withClient { client in
                let body = Array(repeating: UInt8(ascii: "x"), count: 200_000)
                let stream = CollectingStream()
                let ok = try await client.execute(WebRequest(method: "POST", url: base + "/echo", body: .bytes(body), bodyStream: stream))
                #expect(ok.status == 200)
                #expect(ok.body.isEmpty)
                #expect(stream.bytes == body)

                let other = CollectingStream()
                let teapot = try await client.execute(WebRequest(url: base + "/teapot", bodyStream: other))
                #expect(teapot.status == 418)
                #expect(String(decoding: teapot.body, as: UTF8.self) == "short and stout")
                #expect(other.bytes.isEmpty)
            }
        }
    }

    @Test func aStreamThatRefusesStopsTheTransfer() async throws {
        try await TestServer.with { base, _ in
            try await withClient { client in
                let request = WebRequest(
                    method: "POST", url: base + "/echo", body: .bytes(Array(repeating: 1, count: 500_000)),
                    bodyStream: CollectingStream(limit: 1000))
                #expect(await executeError(client, request) == .stoppedByReceiver)
            }
        }
    }

    @Test func theAddressCheckSeesTheAddressAndCanRefuseIt() async throws {
        try await TestServer.with { base, _ in
            try await withClient { client in
                let seen = Mutex<[[UInt8]]>([])
                let allowed = WebRequest(url: base + "/hello", addressCheck: { bytes in
                    seen.withLock { $0.append(bytes) }
                    return nil
                })
                let status = try await client.execute(allowed).status
                #expect(status == 200)
                #expect(seen.withLock { $0 } == [[127, 0, 0, 1]])

            }
            // A fresh client: the other one would reuse its open connection, and the check is
            // asked only when a connection is opened.
            try await withClient { client in
                let refused = WebRequest(url: base + "/hello", addressCheck: { _ in "not this one" })
                #expect(await executeError(client, refused) == .addressRefused("not this one"))
            }
        }
    }
}
