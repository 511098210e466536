/// A JSON parser straight into ``JSONValue``.
///
/// Why not `JSONDecoder`: decoding `JSONValue` through `Decodable` tries a keyed, an unkeyed
/// and then a single-value container for every value, throwing on each miss, which was the
/// largest part of reading a vendor answer (docs/benchmarks.md); `JSONSerialization` builds
/// Foundation objects that are then cast one by one. The rules are `JSONDecoder`'s, which
/// `JSONValueParseTests` checks against it: RFC 8259 syntax over UTF-8 (anything else, or
/// nesting deeper than 512, is no JSON at all).
extension JSONValue {
    /// The value `bytes` hold, or nil when they are not JSON.
    ///
    /// - Parameter strict: what a value Foundation cannot hold (a number beyond `Double`, a
    ///   string that is not valid Unicode) does. Not strict, for the vendor's answers: it is
    ///   `.unsupported` in place (a key of that kind is dropped), so one odd field never makes a
    ///   whole answer unreadable. Strict, for requests: the document is refused, as
    ///   `JSONSerialization` refuses it.
    public static func parse(_ bytes: [UInt8], strict: Bool = false) -> JSONValue? {
        bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer, strict: strict)
            guard let value = parser.document() else { return nil }
            return value
        }
    }
}

private struct JSONParser {
    static let maxDepth = 512

    let bytes: UnsafeBufferPointer<UInt8>
    let strict: Bool
    var index = 0
    var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>, strict: Bool) {
        self.bytes = bytes
        self.strict = strict
    }

    mutating func document() -> JSONValue? {
        skipSpace()
        guard let value = value() else { return nil }
        skipSpace()
        return index == bytes.count ? value : nil
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func value() -> JSONValue? {
        guard let byte = current else { return nil }
        switch byte {
        case UInt8(ascii: "{"): return object()
        case UInt8(ascii: "["): return array()
        case UInt8(ascii: "\""):
            guard let text = string() else { return nil }
            if let text { return .string(text) }
            return strict ? nil : .unsupported
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "n"): return literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
        default: return nil
        }
    }

    private mutating func literal(_ word: StaticString, _ value: JSONValue) -> JSONValue? {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { return nil }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return nil }
        index += count
        return value
    }

    private mutating func object() -> JSONValue? {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { return nil }
        index += 1
        var object: [String: JSONValue] = [:]
        skipSpace()
        if current == UInt8(ascii: "}") {
            index += 1
            return .object(object)
        }
        while true {
            skipSpace()
            guard current == UInt8(ascii: "\""), let key = string(), key != nil || !strict else { return nil }
            skipSpace()
            guard current == UInt8(ascii: ":") else { return nil }
            index += 1
            skipSpace()
            guard let value = value() else { return nil }
            // A key that is not valid Unicode cannot be looked up by name: dropped.
            if let key { object[key] = value }
            skipSpace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return .object(object)
            default: return nil
            }
        }
    }

    private mutating func array() -> JSONValue? {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { return nil }
        index += 1
        var array: [JSONValue] = []
        skipSpace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .array(array)
        }
        while true {
            skipSpace()
            guard let value = value() else { return nil }
            array.append(value)
            skipSpace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(array)
            default: return nil
            }
        }
    }

    /// nil: not a JSON string (the document is not JSON); `.some(nil)`: a well-formed string
    /// that is not valid Unicode (invalid UTF-8, a lone surrogate escape).
    private mutating func string() -> String?? {
        index += 1
        let start = index
        var escaped = false
        // First pass: find the end and whether any escape needs decoding.
        while true {
            guard let byte = current else { return nil }
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { return nil }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                index += 2
                continue
            }
            index += 1
        }
        let end = index
        index += 1
        guard end <= bytes.count else { return nil }
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<end])
        if !escaped { return .some(String(validating: raw, as: UTF8.self)) }
        return unescape(raw)
    }

    private func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> String?? {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        var invalid = false
        while i < raw.count {
            let byte = raw[i]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                i += 1
                continue
            }
            guard i + 1 < raw.count else { return nil }
            let code = raw[i + 1]
            i += 2
            switch code {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(code)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard let unit = Self.hex4(raw, at: i) else { return nil }
                i += 4
                var scalar: UInt32 = UInt32(unit)
                if (0xD800..<0xDC00).contains(unit) {
                    // A high surrogate must be followed by an escaped low one.
                    if i + 6 <= raw.count, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u"),
                        let low = Self.hex4(raw, at: i + 2), (0xDC00..<0xE000).contains(low)
                    {
                        i += 6
                        scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                    } else {
                        invalid = true
                        continue
                    }
                } else if (0xDC00..<0xE000).contains(unit) {
                    invalid = true
                    continue
                }
                guard let value = Unicode.Scalar(scalar) else {
                    invalid = true
                    continue
                }
                out.append(contentsOf: Array(String(Character(value)).utf8))
            default:
                return nil
            }
        }
        if invalid { return .some(nil) }
        return .some(String(validating: out, as: UTF8.self))
    }

    private static func hex4(_ raw: UnsafeBufferPointer<UInt8>, at i: Int) -> UInt16? {
        guard i + 4 <= raw.count else { return nil }
        var value: UInt16 = 0
        for offset in 0..<4 {
            let byte = raw[i + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// RFC 8259's number grammar; a number `Double` cannot hold is `.unsupported`.
    private mutating func number() -> JSONValue? {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, Self.isDigit(first) else { return nil }
        index += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if current == UInt8(ascii: ".") {
            index += 1
            guard let digit = current, Self.isDigit(digit) else { return nil }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let digit = current, Self.isDigit(digit) else { return nil }
            skipDigits()
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let number = Double(text), number.isFinite else { return strict ? nil : .unsupported }
        return .number(number)
    }

    private mutating func skipDigits() {
        while let byte = current, Self.isDigit(byte) { index += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
