/// The value of one hexadecimal digit in a percent-escape, for the URI parsers here.
enum HexDigit {
    /// The digits of canonical percent-escapes (RFC 3986 prefers upper case).
    static let uppercase = Array("0123456789ABCDEF".utf8)

    static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
