import Hummingbird
import Synchronization
import TestSupport

/// What the test server's routes observed, for assertions about the client.
final class ServerObservations: Sendable {
    struct Snapshot: Sendable {
        var inFlight = 0
        var maxInFlight = 0
        var hangsStarted = 0
    }

    private let state = Mutex(Snapshot())

    var snapshot: Snapshot { state.withLock { $0 } }

    fileprivate func enter() {
        state.withLock {
            $0.inFlight += 1
            $0.maxInFlight = max($0.maxInFlight, $0.inFlight)
        }
    }

    fileprivate func leave() { state.withLock { $0.inFlight -= 1 } }
    fileprivate func hangStarted() { state.withLock { $0.hangsStarted += 1 } }
}

/// Request context that remembers the peer's port, so tests can see connection reuse.
struct PeerRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let remotePort: Int?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remotePort = source.channel.remoteAddress?.port
    }
}

/// A Hummingbird server on 127.0.0.1 with an ephemeral port, for the life of `body`.
enum TestServer {
    static func with<T: Sendable>(
        _ body: @Sendable (_ baseURL: String, _ observations: ServerObservations) async throws -> T
    ) async throws -> T {
        let observations = ServerObservations()
        let router = Router(context: PeerRequestContext.self)
        addRoutes(to: router, observations: observations)
        return try await withLocalServer(router: router, loggerLabel: "test-server") { baseURL in
            try await body(baseURL, observations)
        }
    }

    private static func addRoutes(to router: Router<PeerRequestContext>, observations: ServerObservations) {
        router.get("/hello") { _, _ in "hello" }
        router.get("/teapot") { _, _ in
            Response(status: .init(code: 418), body: .init(byteBuffer: ByteBuffer(string: "short and stout")))
        }
        router.get("/redirect") { _, _ in
            Response(status: .found, headers: [.location: "/hello"])
        }
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            router.on("/echo", method: .init(method)!) { request, _ in
                let received = try await request.body.collect(upTo: 16 << 20)
                return Response(status: .ok, body: .init(byteBuffer: received))
            }
            router.on("/method", method: .init(method)!) { request, _ in
                request.method.rawValue
            }
        }
        router.post("/describe") { request, _ in
            // Headers and body as text lines: "name: value" for each header, then the body.
            let received = try await request.body.collect(upTo: 16 << 20)
            var text = ""
            for field in request.headers {
                text += "\(field.name.canonicalName): \(field.value)\n"
            }
            text += "\n" + String(buffer: received)
            return text
        }
        router.get("/peer") { _, context in
            String(context.remotePort ?? -1)
        }
        router.get("/slow") { request, _ in
            let milliseconds = request.uri.queryParameters.get("ms", as: Int.self) ?? 100
            observations.enter()
            defer { observations.leave() }
            await hangUnlessStopping(for: .milliseconds(milliseconds))
            return "slow"
        }
        for method in ["GET", "POST"] {
            router.on("/hang", method: .init(method)!) { request, _ in
                observations.hangStarted()
                let milliseconds = request.uri.queryParameters.get("ms", as: Int.self) ?? 2000
                await hangUnlessStopping(for: .milliseconds(milliseconds))
                return "late"
            }
        }
        router.post("/redirect-to-echo") { _, _ in
            // 307 keeps the method and the body: the client must send the body a second time.
            Response(status: .temporaryRedirect, headers: [.location: "/echo"])
        }
        router.get("/big") { request, _ in
            let size = request.uri.queryParameters.get("bytes", as: Int.self) ?? 0
            let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 16 * 1024)
            if request.uri.queryParameters.get("chunked") == nil {
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: UInt8(ascii: "x"), count: size)))
            }
            // No Content-Length: the client can only enforce its limit while streaming.
            return Response(status: .ok, body: .init { writer in
                var sent = 0
                while sent < size {
                    let count = min(chunk.readableBytes, size - sent)
                    try await writer.write(chunk.getSlice(at: 0, length: count)!)
                    sent += count
                }
                try await writer.finish(nil)
            })
        }
    }
}
