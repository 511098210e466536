#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Hummingbird

/// The named parts of a `multipart/form-data` body (RFC 7578).
///
/// Boundaries are found with libc's `memchr` and `memcmp`, which run at full speed whatever the build
/// configuration. MultipartKit's parser was measured at about 0.9 s per MB in debug builds
/// (it slices the body at every CR byte), and this simulator mostly serves debug-built tests
/// uploading images of hundreds of KB.
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
        let ranges = try Self.partRanges(in: body, boundary: boundary)
        for range in ranges {
            guard let name = Self.parameter("name", in: range.contentDisposition ?? ""), parts[name] == nil else { continue }
            parts[name] = body.getSlice(at: body.readerIndex + range.body.lowerBound, length: range.body.count)
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

    /// Where one part sits in the body.
    private struct PartRange {
        var contentDisposition: String?
        var body: Range<Int>
    }

    /// Splits the body at its delimiters. Requires the closing delimiter, so that a truncated
    /// upload is refused rather than answered with a silently shortened last part.
    private static func partRanges(in body: ByteBuffer, boundary: String) throws(ParseError) -> [PartRange] {
        let delimiter = Array("--\(boundary)".utf8)
        let result: Result<[PartRange], ParseError> = body.withUnsafeReadableBytes { bytes in
            // The first delimiter may follow a preamble; later ones follow the CRLF ending a part.
            guard var cursor = bytes.find(delimiter, from: 0) else { return .failure(.malformed) }
            cursor += delimiter.count
            var ranges: [PartRange] = []
            while true {
                if bytes.matches([0x2D, 0x2D], at: cursor) { return .success(ranges) }  // "--": closing delimiter
                // RFC 2046 allows transport padding (spaces, tabs) before the CRLF.
                while cursor < bytes.count, bytes[cursor] == 0x20 || bytes[cursor] == 0x09 { cursor += 1 }
                guard bytes.matches([0x0D, 0x0A], at: cursor) else { return .failure(.malformed) }
                cursor += 2

                let headers: Range<Int>
                let bodyStart: Int
                if bytes.matches([0x0D, 0x0A], at: cursor) {
                    (headers, bodyStart) = (cursor..<cursor, cursor + 2)
                } else if let end = bytes.find([0x0D, 0x0A, 0x0D, 0x0A], from: cursor) {
                    (headers, bodyStart) = (cursor..<end, end + 4)
                } else {
                    return .failure(.unterminated)
                }
                guard let bodyEnd = bytes.find([0x0D, 0x0A] + delimiter, from: bodyStart) else {
                    return .failure(.unterminated)
                }
                let headerText = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[headers]), as: UTF8.self)
                ranges.append(PartRange(contentDisposition: contentDisposition(in: headerText), body: bodyStart..<bodyEnd))
                cursor = bodyEnd + 2 + delimiter.count
            }
        }
        return try result.get()
    }

    private static func contentDisposition(in headerText: String) -> String? {
        for line in headerText.split(separator: "\r\n") {
            let pair = line.split(separator: ":", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingSpaces().lowercased() == "content-disposition" {
                return pair[1].trimmingSpaces()
            }
        }
        return nil
    }
}

extension UnsafeRawBufferPointer {
    /// Offset of the first occurrence of `needle` at or after `start`.
    fileprivate func find(_ needle: [UInt8], from start: Int) -> Int? {
        guard let base = baseAddress, start <= count else { return nil }
        // memmem is a GNU extension Swift's Glibc module does not expose: scan for the first
        // byte with memchr and compare the rest with memcmp.
        return needle.withUnsafeBytes { needle -> Int? in
            guard let first = needle.first, let needleBase = needle.baseAddress else { return start }
            var position = start
            while count - position >= needle.count {
                guard let hit = memchr(base + position, Int32(first), count - position - needle.count + 1) else { return nil }
                let offset = UnsafeRawPointer(hit) - base
                if memcmp(base + offset, needleBase, needle.count) == 0 { return offset }
                position = offset + 1
            }
            return nil
        }
    }

    fileprivate func matches(_ bytes: [UInt8], at offset: Int) -> Bool {
        offset + bytes.count <= count && self[offset..<(offset + bytes.count)].elementsEqual(bytes)
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(self.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
