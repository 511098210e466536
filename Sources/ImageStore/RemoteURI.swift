/// An `http://`, `https://` or `s3://` image URI reduced to one canonical form, refusing every
/// form that could reach something other than what it seems to name (docs/image-sources.md).
///
/// Refused: user-info (`user@host`), percent-encoding or non-ASCII in the host, a trailing dot
/// or an empty label, numeric hosts other than a plain dotted quad (`2130706433`, `0x7f.1`,
/// `0177.0.0.1` all name 127.0.0.1), IPv6 literals, query strings and fragments, `.` and `..`
/// segments (also percent-encoded), encoded `/`, `\` or NUL, and any character outside RFC 3986's
/// path characters. What is accepted is normalised: scheme and host lower-cased, default ports
/// dropped, percent-encoded unreserved characters decoded, the other escapes in upper case. The
/// allow-list compares canonical forms only, so two spellings of one location are the same
/// string and no spelling reaches outside a prefix.
///
/// Addresses are not checked here: a host name may resolve to anything, so link-local,
/// loopback and metadata addresses are refused where the name is resolved, before connecting.
public struct RemoteURI: Equatable, Sendable {
    public enum Scheme: String, Sendable {
        case http, https, s3
    }

    public let scheme: Scheme
    /// Lower-case host name or dotted-quad IPv4 address; for `s3://`, the bucket.
    public let host: String
    /// An explicit port other than the scheme's default.
    public let port: Int?
    /// Starts with `/`; canonical percent-encoding.
    public let path: String
    /// True when `host` is an IPv4 address rather than a name.
    public let hostIsAddress: Bool

    /// `scheme://host[:port]path`.
    public var canonical: String {
        "\(scheme.rawValue)://\(host)" + (port.map { ":\($0)" } ?? "") + path
    }

    /// Why a URI was refused, for the log and the `image_forbidden` reason's detail.
    public struct Refusal: Error, Equatable, Sendable {
        public let reason: String
    }

    public init(_ uri: String) throws(Refusal) {
        let bytes = Array(uri.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
              let scheme = Scheme(rawValue: String(decoding: bytes[..<colon], as: UTF8.self).lowercased())
        else { throw Refusal(reason: "scheme not supported") }
        var rest = bytes[(colon + 1)...]
        guard rest.starts(with: "//".utf8) else { throw Refusal(reason: "no authority") }
        rest = rest.dropFirst(2)
        let authorityEnd = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
            ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let pathBytes = rest[authorityEnd...]

        guard !authority.contains(UInt8(ascii: "@")) else { throw Refusal(reason: "user-info in the URI") }
        guard authority.first != UInt8(ascii: "[") else { throw Refusal(reason: "IPv6 literal host") }
        var hostBytes = authority[...]
        var port: Int?
        if let portColon = authority.lastIndex(of: UInt8(ascii: ":")) {
            hostBytes = authority[..<portColon]
            let digits = authority[(portColon + 1)...]
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy(Self.isDigit),
                  let number = Int(String(decoding: digits, as: UTF8.self)), (1...65535).contains(number)
            else { throw Refusal(reason: "bad port") }
            port = number
        }
        let (host, isAddress) = try Self.canonicalHost(hostBytes, scheme: scheme)
        if scheme == .s3, port != nil { throw Refusal(reason: "a port in an s3 URI") }
        if (scheme == .http && port == 80) || (scheme == .https && port == 443) { port = nil }

        self.scheme = scheme
        self.host = host
        self.port = port
        self.hostIsAddress = isAddress
        self.path = try Self.canonicalPath(pathBytes)
    }

    // MARK: - Host

    private static func canonicalHost(_ raw: ArraySlice<UInt8>, scheme: Scheme) throws(Refusal) -> (String, Bool) {
        guard !raw.isEmpty else { throw Refusal(reason: "no host") }
        var host: [UInt8] = []
        for byte in raw {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): host.append(byte + 32)
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"),
                UInt8(ascii: "."):
                host.append(byte)
            default: throw Refusal(reason: "unexpected character in the host")
            }
        }
        let labels = host.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard host.count <= 253, labels.allSatisfy({ !$0.isEmpty && $0.count <= 63 }) else {
            throw Refusal(reason: "empty or overlong host label")
        }
        guard labels.allSatisfy({ $0.first != UInt8(ascii: "-") && $0.last != UInt8(ascii: "-") }) else {
            throw Refusal(reason: "host label starts or ends with '-'")
        }
        // A last label of digits only (or 0x…) makes resolvers read the host as a number.
        let last = labels.last!
        let numeric = last.allSatisfy(isDigit) || (last.count > 1 && last.starts(with: "0x".utf8))
        if numeric {
            guard scheme != .s3 else { throw Refusal(reason: "bucket name looks like an address") }
            guard labels.count == 4, labels.allSatisfy({ label in
                label.allSatisfy(isDigit) && (label.count == 1 || label.first != UInt8(ascii: "0"))
                    && (Int(String(decoding: label, as: UTF8.self)) ?? 256) <= 255
            }) else { throw Refusal(reason: "numeric host other than a dotted-quad IPv4 address") }
            return (String(decoding: host, as: UTF8.self), true)
        }
        if scheme == .s3, !(3...63).contains(host.count) { throw Refusal(reason: "bucket name length") }
        return (String(decoding: host, as: UTF8.self), false)
    }

    // MARK: - Path

    private static let unreserved: Set<UInt8> = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8))
    /// RFC 3986 sub-delims and the other characters a path segment may hold as they are.
    private static let pathCharacters: Set<UInt8> = unreserved.union("!$&'()*+,;=:@".utf8)

    private static func canonicalPath(_ raw: ArraySlice<UInt8>) throws(Refusal) -> String {
        if raw.contains(UInt8(ascii: "?")) || raw.contains(UInt8(ascii: "#")) {
            throw Refusal(reason: "query or fragment in the URI")
        }
        guard !raw.isEmpty else { return "/" }
        var segments: [[UInt8]] = []
        for segment in raw.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            var out: [UInt8] = []
            var decoded: [UInt8] = []  // the segment as the server will read it, for the dot check
            var index = segment.startIndex
            while index < segment.endIndex {
                let byte = segment[index]
                if byte == UInt8(ascii: "%") {
                    guard segment.distance(from: index, to: segment.endIndex) >= 3,
                          let high = HexDigit.value(segment[index + 1]), let low = HexDigit.value(segment[index + 2])
                    else { throw Refusal(reason: "bad percent-encoding") }
                    let value = high << 4 | low
                    guard value != UInt8(ascii: "/"), value != UInt8(ascii: "\\"), value != 0 else {
                        throw Refusal(reason: "encoded '/', '\\' or NUL in the path")
                    }
                    if unreserved.contains(value) {
                        out.append(value)
                    } else {
                        out += [UInt8(ascii: "%"), HexDigit.uppercase[Int(high)], HexDigit.uppercase[Int(low)]]
                    }
                    decoded.append(value)
                    index += 3
                    continue
                }
                guard pathCharacters.contains(byte) else { throw Refusal(reason: "unexpected character in the path") }
                out.append(byte)
                decoded.append(byte)
                index += 1
            }
            if decoded.elementsEqual(".".utf8) || decoded.elementsEqual("..".utf8) {
                throw Refusal(reason: "'.' or '..' segment in the path")
            }
            segments.append(out)
        }
        return "/" + segments.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/")
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
}
