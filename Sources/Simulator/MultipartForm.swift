import Hummingbird
import MultipartKit

/// The named parts of a `multipart/form-data` body (RFC 7578), split by MultipartKit's `MultipartParser`.
///
/// The parser is used directly rather than through `FormDataDecoder`: the route wants each part's raw
/// bytes by name, with the first of repeated names winning, and the decoder would copy them into
/// `Data` and read `a[b]`-style names as nesting. Both cost the same, as the parser does the work.
///
/// Cost: the parser scans part bodies byte by byte through generic collection code, which debug
/// builds do not specialise; measured at about 0.4 s per MB in a debug build (a 3 MB image takes
/// about 1.3 s, a 10 KB request about 4 ms). Tests send few bodies that large.
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
        let parser = MultipartParser(boundary: boundary)
        var parts: [MultipartPart] = []
        var headers = HTTPHeaders()
        var partBody = ByteBuffer()
        var callbacks = 0
        parser.onHeader = { name, value in
            headers.add(name: name, value: value)
            callbacks += 1
        }
        parser.onBody = { chunk in
            partBody.writeBuffer(&chunk)
            callbacks += 1
        }
        parser.onPartComplete = {
            parts.append(MultipartPart(headers: headers, body: partBody))
            (headers, partBody) = ([:], ByteBuffer())
            callbacks += 1
        }
        do {
            try parser.execute(body)
        } catch {
            throw .malformed
        }

        // The parser does not say whether it reached the closing delimiter: a body cut short simply
        // leaves it waiting for more. Probe with two CRs: after the closing delimiter (the epilogue)
        // it ignores them; in a part's headers it throws, and in a part's body or a delimiter it
        // reports a callback. Before any delimiter (the preamble) it also stays silent, which the
        // absence of any complete part tells apart.
        let callbacksBeforeProbe = callbacks
        do {
            try parser.execute([0x0D, 0x0D])
        } catch {
            throw .unterminated
        }
        guard callbacks == callbacksBeforeProbe else { throw .unterminated }
        guard !parts.isEmpty else { throw .malformed }
        return parts
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

/// The simulator's multipart reading (MultipartKit's parser, the same rules as the route's),
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
