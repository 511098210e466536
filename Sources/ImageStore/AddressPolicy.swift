import Foundation

/// Which resolved IP addresses an image fetch may connect to (docs/image-sources.md).
///
/// A host name in an allowed prefix can still resolve to the machine itself or to a cloud
/// metadata service, so every address a name resolves to is checked before connecting, and the
/// connection is pinned to the checked address. Refused: loopback (127.0.0.0/8, ::1),
/// link-local (169.254.0.0/16, fe80::/10, which holds the 169.254.169.254 metadata service),
/// unspecified (0.0.0.0/8, ::), the IPv6 metadata address fd00:ec2::254, and the IPv4-mapped
/// (::ffff:a.b.c.d) forms of the IPv4 ones. An address the URI itself names literally (such as
/// a test server on 127.0.0.1), which only passes the allow-list when a prefix names it too, is
/// allowed: the operator asked for exactly that. A host name gets no such exception.
public enum AddressPolicy {
    /// One resolved address, as its bytes in network order (4 or 16).
    public struct Address: Equatable, Sendable, CustomStringConvertible {
        public let bytes: [UInt8]

        /// Parses dotted-quad IPv4 or textual IPv6 (`inet_pton`); nil for anything else.
        public init?(_ text: String) {
            var v4 = in_addr()
            if inet_pton(AF_INET, text, &v4) == 1 {
                bytes = withUnsafeBytes(of: &v4) { Array($0) }
                return
            }
            var v6 = in6_addr()
            if inet_pton(AF_INET6, text, &v6) == 1 {
                bytes = withUnsafeBytes(of: &v6) { Array($0) }
                return
            }
            return nil
        }

        public init?(bytes: [UInt8]) {
            guard bytes.count == 4 || bytes.count == 16 else { return nil }
            self.bytes = bytes
        }

        /// The IPv4 address inside an IPv4-mapped IPv6 address, or self.
        var unmapped: Address {
            let mappedPrefix: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF]
            if bytes.count == 16, Array(bytes[0..<12]) == mappedPrefix {
                return Address(bytes: Array(bytes[12...]))!
            }
            return self
        }

        public var description: String {
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            let family = bytes.count == 4 ? AF_INET : AF_INET6
            _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &text, socklen_t(text.count)) }
            return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// Why an address may not be connected to, or nil when it may.
    public static func refusal(for address: Address, allowedLiterals: Set<String> = []) -> String? {
        let plain = address.unmapped
        if allowedLiterals.contains(plain.description) || allowedLiterals.contains(address.description) { return nil }
        let b = plain.bytes
        if b.count == 4 {
            switch b[0] {
            case 127: return "loopback address"
            case 0: return "unspecified address"
            case 169 where b[1] == 254: return "link-local address (metadata service range)"
            default: return nil
            }
        }
        if b == Array(repeating: 0, count: 15) + [1] { return "loopback address" }
        if b == Array(repeating: 0, count: 16) { return "unspecified address" }
        if b[0] == 0xFE, b[1] & 0xC0 == 0x80 { return "link-local address" }
        if plain == Address("fd00:ec2::254") { return "metadata service address" }
        return nil
    }
}
