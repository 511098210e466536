/// What a transfer gathers of its response as libcurl hands it over: the final response's
/// headers, and the body up to the request's limit, or streamed to the request's receiver for
/// a 2xx. Knows nothing of libcurl, so its rules are tested on their own.
struct ResponseCollector {
    /// How much of an error response's body is kept when the 2xx body would be streamed.
    static let errorBodyLimit = 64 * 1024

    private let maxResponseBytes: Int?
    private let bodyStream: (any HTTPBodyStream)?
    private(set) var headers: [HTTPHeader] = []
    private(set) var body: [UInt8] = []
    /// The body passed `maxResponseBytes`: the transfer was stopped.
    private(set) var exceededLimit = false
    /// The receiver refused more bytes: the transfer was stopped.
    private(set) var stoppedByReceiver = false
    /// Whether this response's body goes to `bodyStream` (a 2xx); decided at its first byte.
    private var streamsBody: Bool?

    init(maxResponseBytes: Int?, bodyStream: (any HTTPBodyStream)?) {
        self.maxResponseBytes = maxResponseBytes
        self.bodyStream = bodyStream
    }

    /// One header line as libcurl delivers it (CRLF included). A status line starts over: only
    /// the final response's headers count (after a 1xx or a redirect).
    mutating func receiveHeaderLine(_ line: String) {
        if line.hasPrefix("HTTP/") {
            headers.removeAll()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingSpaces()
        let value = line[line.index(after: colon)...].trimmingSpaces()
        guard !name.isEmpty else { return }
        headers.append(HTTPHeader(name: name, value: value))
    }

    /// Takes a piece of the body; false stops the transfer (the limit passed, or the receiver
    /// refused). `status` is asked once, at the first piece, when a receiver waits for a 2xx.
    mutating func receiveBody(_ bytes: UnsafeRawBufferPointer, status: () -> Int) -> Bool {
        if let bodyStream {
            if streamsBody == nil { streamsBody = (200..<300).contains(status()) }
            if streamsBody == true {
                guard bodyStream.receive(bytes) else {
                    stoppedByReceiver = true
                    return false
                }
                return true
            }
            // An error status: keep the start of its body for the caller's message.
            let room = min(maxResponseBytes ?? Self.errorBodyLimit, Self.errorBodyLimit) - body.count
            if room > 0 { body.append(contentsOf: bytes.prefix(room)) }
            return true
        }
        if let maxResponseBytes, body.count + bytes.count > maxResponseBytes {
            exceededLimit = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
