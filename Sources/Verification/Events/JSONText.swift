/// JSON text appended to a byte array, written the way `JSONEncoder` with `.sortedKeys` and
/// `.withoutEscapingSlashes` writes it: the same escapes, numbers as Swift prints them (an
/// integral double without its ".0"), no spaces. The callers write their keys in sorted order.
///
/// Why by hand: `JSONEncoder` cost about 8% of the worker's CPU for the result event and its
/// checks (docs/benchmarks.md); the event's bytes are unchanged, which `JSONTextTests` checks
/// against `JSONEncoder` itself.
struct JSONText {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    /// Punctuation and keys, as they are.
    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func null() { raw("null") }

    mutating func bool(_ value: Bool) { value ? raw("true") : raw("false") }

    mutating func int(_ value: Int) {
        bytes.append(contentsOf: String(value).utf8)
    }

    /// A non-finite number (never in a decision) is written as null rather than failing.
    mutating func double(_ value: Double) {
        guard value.isFinite else { return null() }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    mutating func double(_ value: Double?) {
        if let value { double(value) } else { null() }
    }

    mutating func int(_ value: Int?) {
        if let value { int(value) } else { null() }
    }

    mutating func string(_ value: String?) {
        guard let value else { return null() }
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x08: raw("\\b")
            case 0x09: raw("\\t")
            case 0x0A: raw("\\n")
            case 0x0C: raw("\\f")
            case 0x0D: raw("\\r")
            case 0..<0x20:
                raw("\\u00")
                bytes.append(Self.hex[Int(byte >> 4)])
                bytes.append(Self.hex[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func strings(_ values: [String]) {
        raw("[")
        for (n, value) in values.enumerated() {
            if n > 0 { raw(",") }
            string(value)
        }
        raw("]")
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)
}
