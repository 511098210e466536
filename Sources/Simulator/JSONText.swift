/// Minimal JSON text writing for hand-built response bodies, where `JSONEncoder` would not let
/// us choose between `100` and `100.0`.
enum JSONText {
    /// `value` as a JSON string literal.
    static func string(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `value` as a JSON number: Swift's shortest round-trip form (`100.0`, `0.92135316`,
    /// `1e-07`, all valid JSON), or an integer when asked and the value is whole.
    /// JSON has no NaN or infinity; those become 0 rather than an unparseable body.
    static func number(_ value: Double, integerWhenWhole: Bool) -> String {
        guard value.isFinite else { return "0" }
        if integerWhenWhole, value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        return value.description
    }
}
