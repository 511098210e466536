import Testing
@testable import WebClient

/// The response rules without libcurl or a server: headers of the final response only, the
/// body limit, and which bodies are streamed.
struct ResponseCollectorTests {
    private func feed(_ collector: inout ResponseCollector, _ text: String, status: Int = 200) -> Bool {
        Array(text.utf8).withUnsafeBytes { collector.receiveBody($0, status: { status }) }
    }

    @Test func onlyTheFinalResponsesHeadersCount() {
        var collector = ResponseCollector(maxResponseBytes: nil, bodyStream: nil)
        for line in ["HTTP/1.1 100 Continue\r\n", "X-Early: 1\r\n", "HTTP/1.1 200 OK\r\n", "Content-Type:  text/plain \r\n", "\r\n", ": no name\r\n"] {
            collector.receiveHeaderLine(line)
        }
        #expect(collector.headers == [HTTPHeader(name: "Content-Type", value: "text/plain")])
    }

    @Test func aBodyPastTheLimitStopsTheTransfer() {
        var collector = ResponseCollector(maxResponseBytes: 5, bodyStream: nil)
        #expect(feed(&collector, "abc"))
        #expect(!feed(&collector, "def"))
        #expect(collector.exceededLimit)
        #expect(collector.body == Array("abc".utf8))
    }

    @Test func aSuccessIsStreamedAndAnErrorBodyIsKeptUpToItsCap() {
        let stream = CollectingStream()
        var success = ResponseCollector(maxResponseBytes: 4, bodyStream: stream)
        #expect(feed(&success, "streamed past any limit"))
        #expect(stream.bytes == Array("streamed past any limit".utf8))
        #expect(success.body.isEmpty)

        var failure = ResponseCollector(maxResponseBytes: 4, bodyStream: CollectingStream())
        #expect(feed(&failure, "NoSuchKey", status: 404))
        #expect(failure.body == Array("NoSu".utf8), "an error body is kept, cut at the smaller of the limit and 64 KiB")
        #expect(!failure.exceededLimit)
    }

    @Test func aReceiverThatRefusesStopsTheTransfer() {
        var collector = ResponseCollector(maxResponseBytes: nil, bodyStream: CollectingStream(limit: 2))
        #expect(!feed(&collector, "abc"))
        #expect(collector.stoppedByReceiver)
    }
}
