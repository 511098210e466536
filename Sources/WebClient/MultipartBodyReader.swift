import CCurl
import Payload

/// A whole `multipart/form-data` body (RFC 7578) served to libcurl through one read
/// callback, for one transfer: the part headers and in-memory parts as bytes, file parts read
/// from their files while they are sent.
///
/// libcurl's MIME API did the same with a structure of several allocations per part, a
/// formatted header per part and a random boundary through the TLS library, on every request;
/// at 4,096 calls in flight that was several per cent of the worker's CPU
/// (docs/benchmarks.md). Here the body is laid out once into a few segments.
///
/// The position is this reader's own and every file read names it (`pread`), so concurrent
/// transfers of the same file never disturb each other, and each new transfer (a retry)
/// starts from the beginning. libcurl rewinds through ``seek(to:origin:)`` when it must send
/// the body again (a redirect, a reused connection that turned out dead).
///
/// Used only on the multi loop thread once the transfer is submitted; the ``CurlTransfer``
/// holds it, and with it the files, until the transfer ends.
final class MultipartBodyReader {
    private enum Segment {
        case bytes([UInt8])
        case file(ReadOnlyFile, partName: String)

        var byteCount: Int {
            switch self {
            case .bytes(let bytes): bytes.count
            case .file(let file, _): file.byteCount
            }
        }
    }

    /// The `Content-Type` header value, with the boundary.
    let contentType: String
    /// The body's length, announced as `Content-Length`.
    let byteCount: Int
    private let segments: [Segment]
    /// Where each segment ends in the body.
    private let ends: [Int]
    private var offset = 0
    /// The segment that holds `offset`, found again only when `offset` leaves it.
    private var current = 0
    /// Why the last read was refused, for the transfer's error.
    private(set) var failure: String?

    init(parts: [MultipartFormPart], boundary: String = MultipartBodyReader.randomBoundary()) {
        contentType = "multipart/form-data; boundary=\(boundary)"
        let delimiter = Array(boundary.utf8)
        var segments: [Segment] = []
        var pending: [UInt8] = []
        pending.reserveCapacity(256)
        for part in parts {
            Self.appendHeader(of: part, delimiter: delimiter, to: &pending)
            switch part.body {
            case .bytes(let bytes):
                pending += bytes
            case .file(let file):
                if !pending.isEmpty { segments.append(.bytes(pending)) }
                pending = []
                pending.reserveCapacity(256)
                segments.append(.file(file, partName: part.name))
            }
            pending += [13, 10]
        }
        pending += [0x2D, 0x2D]
        pending += delimiter
        pending += [0x2D, 0x2D, 13, 10]
        segments.append(.bytes(pending))
        var ends: [Int] = []
        ends.reserveCapacity(segments.count)
        var total = 0
        for segment in segments {
            total += segment.byteCount
            ends.append(total)
        }
        self.segments = segments
        self.ends = ends
        byteCount = total
    }

    /// A read callback result: a byte count, 0 at the end, or `CURL_READFUNC_ABORT`. Fills the
    /// whole buffer when it can, across segments, so that each send carries as much as fits.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var filled = 0
        while filled < buffer.count, offset < byteCount {
            while offset >= ends[current] { current += 1 }
            let index = current
            let within = offset - (index == 0 ? 0 : ends[index - 1])
            let space = UnsafeMutableRawBufferPointer(rebasing: buffer[filled...])
            let count: Int
            switch segments[index] {
            case .bytes(let bytes):
                count = min(space.count, bytes.count - within)
                bytes.withUnsafeBytes { source in
                    space.baseAddress!.copyMemory(from: source.baseAddress! + within, byteCount: count)
                }
            case .file(let file, let partName):
                let wanted = min(space.count, file.byteCount - within)
                do {
                    count = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: space[..<wanted]), at: within)
                } catch {
                    failure = "reading part \(partName) failed: \(error)"
                    return Int(CURL_READFUNC_ABORT)
                }
                guard count > 0 else {
                    // Content-Length already announced the size at open: a shorter file cannot be sent.
                    failure = "file of part \(partName) shrank while it was sent"
                    return Int(CURL_READFUNC_ABORT)
                }
            }
            offset += count
            filled += count
        }
        return filled
    }

    /// A seek callback result: `CURL_SEEKFUNC_OK`, or `CURL_SEEKFUNC_FAIL` outside the body.
    func seek(to position: curl_off_t, origin: Int32) -> Int32 {
        let base: curl_off_t
        switch origin {
        case SEEK_SET: base = 0
        case SEEK_CUR: base = curl_off_t(offset)
        case SEEK_END: base = curl_off_t(byteCount)
        default: return CURL_SEEKFUNC_FAIL
        }
        let (target, overflow) = base.addingReportingOverflow(position)
        guard !overflow, target >= 0, target <= curl_off_t(byteCount) else { return CURL_SEEKFUNC_FAIL }
        offset = Int(target)
        current = 0
        return CURL_SEEKFUNC_OK
    }

    /// The delimiter and headers that open `part`, as libcurl wrote them: the name and file
    /// name quoted, with `"`, CR and LF percent-encoded as HTML forms do.
    static func header(of part: MultipartFormPart, boundary: String) -> [UInt8] {
        var bytes: [UInt8] = []
        appendHeader(of: part, delimiter: Array(boundary.utf8), to: &bytes)
        return bytes
    }

    private static func appendHeader(of part: MultipartFormPart, delimiter: [UInt8], to bytes: inout [UInt8]) {
        bytes += [0x2D, 0x2D]
        bytes += delimiter
        bytes += "\r\nContent-Disposition: form-data; name=\"".utf8
        bytes += escaped(part.name).utf8
        if let filename = part.filename {
            bytes += "\"; filename=\"".utf8
            bytes += escaped(filename).utf8
        }
        bytes += "\"\r\n".utf8
        if let contentType = part.contentType {
            bytes += "Content-Type: ".utf8
            bytes += contentType.utf8
            bytes += [13, 10]
        }
        bytes += [13, 10]
    }

    private static func escaped(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x22 || $0 == 13 || $0 == 10 }) else { return text }
        var result = ""
        for character in text.unicodeScalars {
            switch character {
            case "\"": result += "%22"
            case "\r": result += "%0D"
            case "\n": result += "%0A"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }

    /// 128 random bits from the system's generator: a boundary the sender of an image cannot
    /// guess, so no image can end its part early and smuggle in parts of its own.
    static func randomBoundary() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = Array("------------------------okf".utf8)
        for _ in 0..<2 {
            let word = generator.next()
            for shift in stride(from: 60, through: 0, by: -4) { text.append(digits[Int((word >> UInt64(shift)) & 0xF)]) }
        }
        return String(decoding: text, as: UTF8.self)
    }
}
