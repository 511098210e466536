import Foundation
import Hummingbird
import MultipartKit

/// The named parts of a `multipart/form-data` body (RFC 7578), split by the rules of MultipartKit's
/// `MultipartParser` (``FormScan``) into MultipartKit's `MultipartPart`s.
///
/// Not through `FormDataDecoder`: the route wants each part's raw bytes by name, with the first of
/// repeated names winning, and the decoder would copy them into `Data` and read `a[b]`-style names
/// as nesting.
///
/// What the parser refuses, and so the route answers `MISSING_ARGUMENTS` to: transport padding after
/// a delimiter (`--b \r\n`, legal in RFC 2046 but sent by no client we know of), header lines ending in
/// a bare LF, and header names outside RFC 822's token characters.
struct MultipartForm {
    /// Why a body is not a usable form; the route answers `MISSING_ARGUMENTS` for all of them,
    /// as the vendor does not distinguish.
    enum ParseError: Error, Equatable {
        case notMultipart
        case missingBoundary
        /// The parser refused the body, or found no delimiter in it.
        case malformed
        /// The body ends before the closing delimiter.
        case unterminated
    }

    /// Part bodies by form field name. When a name repeats, the first part wins; parts without a
    /// `name` in their `Content-Disposition` are ignored.
    private(set) var parts: [String: ByteBuffer] = [:]

    /// Parses `body` sent with the given `Content-Type` header value.
    init(body: ByteBuffer, contentType: String?) throws(ParseError) {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else {
            throw .notMultipart
        }
        // MultipartParser has a precondition on a non-empty boundary: check before creating it.
        guard let boundary = Self.parameter("boundary", in: contentType), !boundary.isEmpty else {
            throw .missingBoundary
        }
        for part in try Self.parts(of: body, boundary: boundary) {
            guard let name = part.name, parts[name] == nil else { continue }
            parts[name] = part.body
        }
    }

    /// The body of the part named `name`, if any.
    subscript(name: String) -> ByteBuffer? {
        parts[name]
    }

    /// The text of the part named `name`, if any.
    func text(_ name: String) -> String? {
        parts[name].map { String(buffer: $0) }
    }

    /// The value of `name=` in a header value such as `multipart/form-data; boundary="xyz"`.
    static func parameter(_ name: String, in headerValue: String) -> String? {
        for item in headerValue.split(separator: ";").dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingSpaces().lowercased() == name else { continue }
            var value = pair[1].trimmingSpaces()
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            return value
        }
        return nil
    }

    /// The complete parts of `body`, in order. Requires the closing delimiter, so that a truncated
    /// upload is refused rather than answered with its complete parts only.
    static func parts(of body: ByteBuffer, boundary: String) throws(ParseError) -> [MultipartPart] {
        // A header value cannot hold a CR; one in the delimiter would make its search below
        // differ from MultipartKit's matcher, which restarts only at a delimiter's first byte.
        guard !boundary.utf8.contains(0x0D) else { throw .malformed }
        let scanned = body.withUnsafeReadableBytes { bytes in
            Result { () throws(ParseError) in
                var scan = FormScan(bytes: bytes, delimiter: Array("\r\n--\(boundary)".utf8))
                return try scan.parts()
            }
        }
        return try scanned.get().map { part in
            MultipartPart(headers: part.headers, body: body.getSlice(at: body.readerIndex + part.body.lowerBound, length: part.body.count)!)
        }
    }
}

/// MultipartKit's `MultipartParser` state machine (4.7), step for step, over the body's bytes
/// in place: it refuses and accepts exactly what that parser does (`MultipartFormTests`
/// compares the two on thousands of mutated bodies), at a fraction of the cost.
///
/// Why not the parser itself: it scans a part's body for the delimiter's first byte and hands
/// each stretch before it to a callback as a new `ByteBuffer`. In an image that byte (CR) comes
/// every 256 bytes or so, and reading the worker's three parts took a third of the bench
/// process's CPU at 1,000 calls a second, CPU the worker under test then did not get
/// (docs/benchmarks.md). Here the delimiter is found with `memchr` and a part's body is a
/// range of the request body, copied nowhere.
private struct FormScan {
    struct Part {
        var headers: HTTPHeaders
        /// Offsets into the scanned bytes.
        var body: Range<Int>
    }

    let bytes: UnsafeRawBufferPointer
    /// `\r\n--` and the boundary.
    let delimiter: [UInt8]
    var index = 0

    init(bytes: UnsafeRawBufferPointer, delimiter: [UInt8]) {
        self.bytes = bytes
        self.delimiter = delimiter
    }

    private static let cr: UInt8 = 0x0D
    private static let lf: UInt8 = 0x0A

    /// The parts up to the closing delimiter. Bytes that run out before it: `.unterminated`
    /// (or `.malformed` when no delimiter came at all); a byte the parser refuses: `.malformed`.
    mutating func parts() throws(MultipartForm.ParseError) -> [Part] {
        try skipPreamble()
        var parts: [Part] = []
        // The first delimiter is followed by CR LF; later ones had their CR read with them.
        var crRead = false
        while true {
            if !crRead { try expect(Self.cr) }
            try expect(Self.lf)
            let headers = try readHeaders()
            let start = index
            guard let end = findDelimiter() else { throw .unterminated }
            index = end + delimiter.count
            let next = try nextByte()
            parts.append(Part(headers: headers, body: start..<end))
            switch next {
            case Self.cr: crRead = true
            case UInt8(ascii: "-"): return parts  // the epilogue, ignored whatever it holds
            default: throw .malformed
            }
        }
    }

    /// The parser's preamble matcher as it is, quirks included: a `-` where nothing matched yet
    /// counts as the delimiter's leading CR LF and first hyphen.
    private mutating func skipPreamble() throws(MultipartForm.ParseError) {
        var matched = 0
        while matched < delimiter.count, index < bytes.count {
            let byte = bytes[index]
            index += 1
            if matched == 0, byte == delimiter[2] {
                matched = 3
            } else if byte == delimiter[matched] {
                matched += 1
            } else if matched > 0, byte == delimiter[0] {
                matched = 1
            } else {
                matched = 0
            }
        }
        // No delimiter at all: no part, which the form refuses as malformed.
        guard matched == delimiter.count else { throw .malformed }
    }

    /// Header lines up to the empty line: a name of token characters, `:`, the value without
    /// its leading blanks up to CR, then LF.
    private mutating func readHeaders() throws(MultipartForm.ParseError) -> HTTPHeaders {
        var headers = HTTPHeaders()
        while true {
            let nameStart = index
            while true {
                let byte = try nextByte()
                if byte == UInt8(ascii: ":"), index - 1 > nameStart { break }
                if byte == Self.cr, index - 1 == nameStart {
                    try expect(Self.lf)
                    return headers
                }
                guard Self.isTokenCharacter(byte) else { throw .malformed }
            }
            let name = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<(index - 1)])
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
            let valueStart = index
            while try nextByte() != Self.cr {}
            let value = UnsafeRawBufferPointer(rebasing: bytes[valueStart..<(index - 1)])
            try expect(Self.lf)
            headers.add(name: String(bytes: name, encoding: .utf8) ?? "", value: String(bytes: value, encoding: .utf8) ?? "")
        }
    }

    /// Where the next delimiter starts, from `index` on: each CR found by `memchr`, then the
    /// rest compared.
    private func findDelimiter() -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        return delimiter.withUnsafeBytes { needle -> Int? in
            var from = index
            while bytes.count - from >= needle.count {
                guard let hit = memchr(base + from, Int32(needle[0]), bytes.count - from) else { return nil }
                let at = UnsafeRawPointer(hit) - base
                guard bytes.count - at >= needle.count else { return nil }
                if memcmp(base + at, needle.baseAddress!, needle.count) == 0 { return at }
                from = at + 1
            }
            return nil
        }
    }

    private mutating func nextByte() throws(MultipartForm.ParseError) -> UInt8 {
        guard index < bytes.count else { throw .unterminated }
        defer { index += 1 }
        return bytes[index]
    }

    private mutating func expect(_ byte: UInt8) throws(MultipartForm.ParseError) {
        guard try nextByte() == byte else { throw .malformed }
    }

    /// RFC 822's token characters: US-ASCII without controls, space and tspecials.
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        guard byte > 0x20, byte < 0x7F else { return false }
        return !"()<>@,;:\\\"/[]?={}".utf8.contains(byte)
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(self.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}

/// One part of a `multipart/form-data` body as the simulator reads it.
public struct ReceivedFormPart: Sendable, Equatable {
    public var name: String?
    public var filename: String?
    public var contentType: String?
    public var data: [UInt8]

    public init(name: String? = nil, filename: String? = nil, contentType: String? = nil, data: [UInt8]) {
        self.name = name
        self.filename = filename
        self.contentType = contentType
        self.data = data
    }
}

/// The simulator's multipart reading (the route's, by MultipartKit's rules),
/// for tests that check what a client sent.
public enum ReceivedForm {
    /// The `boundary` parameter of a `multipart/form-data` content type, without quotes.
    public static func boundary(ofContentType contentType: String) -> String? {
        MultipartForm.parameter("boundary", in: contentType)
    }

    /// Every part of `body`, in order, repeated names included; nil when it does not parse.
    public static func parts(_ body: [UInt8], boundary: String) -> [ReceivedFormPart]? {
        guard !boundary.isEmpty, let parts = try? MultipartForm.parts(of: ByteBuffer(bytes: body), boundary: boundary) else { return nil }
        return parts.map { part in
            let disposition = part.headers.first(name: "Content-Disposition") ?? ""
            return ReceivedFormPart(
                name: part.name, filename: MultipartForm.parameter("filename", in: disposition),
                contentType: part.headers.first(name: "Content-Type"), data: Array(part.body.readableBytesView))
        }
    }
}
