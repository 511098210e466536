/// Builds one JSON object as UTF-8 bytes, field by field.
///
/// The log handler writes a line per decision, so this is on the hot path: appending escaped
/// strings to one byte buffer costs a fraction of `JSONSerialization` with sorted keys (about
/// a tenth of the worker's CPU in the benchmark profile, docs/benchmarks.md).
struct JSONLine {
    private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var empty = true

    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends `"key":` and the value.
    mutating func field(_ key: String, _ value: JSONLineValue) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        appendString(key)
        bytes.append(UInt8(ascii: ":"))
        append(value)
    }

    /// The object closed, with a trailing newline.
    mutating func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        bytes.append(0x0A)
        return bytes
    }

    private mutating func append(_ value: JSONLineValue) {
        switch value {
        case .string(let s):
            appendString(s)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                append(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let fields):
            bytes.append(UInt8(ascii: "{"))
            for (i, (key, item)) in fields.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                appendString(key)
                bytes.append(UInt8(ascii: ":"))
                append(item)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// RFC 8259 escaping: quote, backslash and control characters; everything else as UTF-8.
    private mutating func appendString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(Self.hex[Int(byte >> 4)])
                bytes.append(Self.hex[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// A log metadata value as JSON: strings, arrays and objects (keys in sorted order).
indirect enum JSONLineValue {
    case string(String)
    case array([JSONLineValue])
    case object([(String, JSONLineValue)])
}
