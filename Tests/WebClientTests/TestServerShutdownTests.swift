import Glibc
import TestSupport
import Testing
import WebClient

/// The test servers (`withLocalServer`) stop by a graceful shutdown. Cancelling them instead
/// left a connection accepted just before the cancellation unserved, and NIO traps on such a
/// connection ("Deinited NIOAsyncWriter without calling finish()", apple/swift-nio#2637): the
/// whole test process crashed. These tests are what would crash.
@Suite("Test servers stopping", .offCooperativePool)
struct TestServerShutdownTests {
    /// Connections that arrive as the server stops, some silent, some halfway through a
    /// request, are closed by the server; none is left to the trap.
    @Test func connectionsArrivingAsTheServerStopsAreClosed() async throws {
        for round in 0..<50 {
            let sockets = try await TestServer.with { base, _ in
                let port = try #require(base.split(separator: ":").last.flatMap { UInt16($0) })
                var sockets: [Int32] = []
                for index in 0..<8 {
                    let socket = try connectedSocket(port: port)
                    sockets.append(socket)
                    if index % 2 == 1 { send(socket, "GET /hello HTTP/1.1\r\nHost: x\r\n") }
                }
                return sockets
            }
            // The server closed every one of them: each read ends (0 bytes, or an answer then 0).
            for socket in sockets {
                #expect(drainUntilClosed(socket), "round \(round): a connection stayed open after the stop")
                close(socket)
            }
        }
    }

    /// A route that hangs on purpose ends with its server's stop, so the stop waits for no
    /// sleep: the request below would otherwise hang for two minutes, past its 30 s timeout.
    @Test func aHangingRouteEndsWhenItsServerStops() async throws {
        try await withClient { client in
            let pending = try await TestServer.with { base, observations in
                let pending = Task { try await client.execute(WebRequest(url: "\(base)/hang?ms=120000", timeout: .seconds(30))) }
                try await waitUntil("the route to hang") { observations.snapshot.hangsStarted == 1 }
                return pending
            }
            let response = try await pending.value
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "late")
        }
    }
}

private func connectedSocket(port: UInt16) throws -> Int32 {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw SocketError(call: "socket") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard result == 0 else {
        close(socket)
        throw SocketError(call: "connect")
    }
    return socket
}

private func send(_ socket: Int32, _ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { write(socket, $0.baseAddress, $0.count) }
}

/// Reads until the peer closes (true), or for at most 30 s of silence (false: still open).
private func drainUntilClosed(_ socket: Int32) -> Bool {
    var timeout = timeval(tv_sec: 30, tv_usec: 0)
    setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(socket, $0.baseAddress, $0.count) }
        if count == 0 { return true }
        if count < 0 { return errno == ECONNRESET }
    }
}

private struct SocketError: Error {
    let call: String
}
