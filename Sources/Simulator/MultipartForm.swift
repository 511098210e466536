import Hummingbird
import MultipartKit

/// The named parts of a `multipart/form-data` body, parsed with MultipartKit's streaming parser.
struct MultipartForm {
    /// Why a body is not a usable form; the route answers `MISSING_ARGUMENTS` for all of them,
    /// as the vendor does not distinguish.
    enum ParseError: Error, Equatable {
        case notMultipart
        case missingBoundary
        case malformed
        case unterminated
    }

    /// Part bodies by form field name. When a name repeats, the first part wins.
    private(set) var parts: [String: ByteBuffer] = [:]

    /// Parses `body` sent with the given `Content-Type` header value.
    init(body: ByteBuffer, contentType: String?) throws(ParseError) {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else {
            throw .notMultipart
        }
        guard let boundary = Self.parameter("boundary", in: contentType), !boundary.isEmpty else {
            throw .missingBoundary
        }
        // MultipartKit ignores a missing closing delimiter, which would let a truncated upload
        // pass with a silently shortened last part.
        guard Self.hasClosingDelimiter(body, boundary: boundary) else { throw .unterminated }

        let collector = PartCollector()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in
            if name.lowercased() == "content-disposition" {
                collector.name = Self.parameter("name", in: value)
            }
        }
        parser.onBody = { chunk in collector.body.writeBuffer(&chunk) }
        parser.onPartComplete = { collector.completePart() }
        do {
            try parser.execute(body)
        } catch {
            throw .malformed
        }
        parts = collector.parts
    }

    /// The body of the part named `name`, if any.
    subscript(name: String) -> ByteBuffer? {
        parts[name]
    }

    /// The text of the part named `name`, if any.
    func text(_ name: String) -> String? {
        parts[name].map { String(buffer: $0) }
    }

    /// The value of `name=` in a header value such as `form-data; name="imageBest"; filename="b.jpg"`.
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

    private static func hasClosingDelimiter(_ body: ByteBuffer, boundary: String) -> Bool {
        let delimiter = Array("--\(boundary)--".utf8)
        // The closing delimiter may be followed by a CRLF and an epilogue; look near the end.
        let window = body.readableBytesView.suffix(delimiter.count + 256)
        return window.firstRange(of: delimiter) != nil
    }

    /// Accumulates parser callbacks; a class because MultipartKit's callbacks are separate closures.
    private final class PartCollector {
        var parts: [String: ByteBuffer] = [:]
        var name: String?
        var body = ByteBuffer()

        func completePart() {
            if let name, parts[name] == nil {
                parts[name] = body
            }
            name = nil
            body = ByteBuffer()
        }
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(self.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
