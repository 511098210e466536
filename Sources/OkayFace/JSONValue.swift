import Foundation

/// Any JSON value, decoded leniently so that one odd field never makes a whole vendor
/// answer unreadable.
enum JSONValue: Decodable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([JSONValue])
    case object([String: JSONValue])
    case null
    /// A value Foundation cannot represent (for example a number beyond Double's range).
    case unsupported

    init(from decoder: any Decoder) throws {
        if let container = try? decoder.container(keyedBy: AnyKey.self) {
            var object: [String: JSONValue] = [:]
            for key in container.allKeys {
                object[key.stringValue] = (try? container.decode(JSONValue.self, forKey: key)) ?? .unsupported
            }
            self = .object(object)
            return
        }
        if var container = try? decoder.unkeyedContainer() {
            var array: [JSONValue] = []
            while !container.isAtEnd {
                guard let element = try? container.decode(JSONValue.self) else {
                    // A failed decode does not advance the container; stop rather than spin.
                    break
                }
                array.append(element)
            }
            self = .array(array)
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            // Before Double: some decoders would read `true` as 1.
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else {
            self = .unsupported
        }
    }

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

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
