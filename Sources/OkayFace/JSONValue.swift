import Foundation

/// Any JSON value, read leniently (``parse(_:)``) so that one odd field never makes a whole
/// vendor answer unreadable.
enum JSONValue: Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([JSONValue])
    case object([String: JSONValue])
    case null
    /// A value Foundation cannot represent (for example a number beyond Double's range).
    case unsupported

    subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// A non-empty string.
    var text: String? {
        if case .string(let string) = self, !string.isEmpty { return string }
        return nil
    }

    /// A finite number, also from a numeric string such as "0.5" (vendors are inconsistent).
    var finiteNumber: Double? {
        switch self {
        case .number(let number):
            return number.isFinite ? number : nil
        case .string(let string):
            let trimmed = string.trimmingCharacters(in: .whitespaces)
            // Double(String) also accepts "nan", "inf" and hex floats; allow plain decimals only.
            guard !trimmed.isEmpty, trimmed.allSatisfy({ "0123456789+-.eE".contains($0) }),
                let number = Double(trimmed), number.isFinite
            else { return nil }
            return number
        default:
            return nil
        }
    }
}
