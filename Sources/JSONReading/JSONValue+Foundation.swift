import Foundation

extension JSONValue {
    /// The value of what `JSONSerialization.jsonObject` returned; nil for anything else (a
    /// number `Double` cannot hold). For documents ``parse(_:strict:)`` refuses but
    /// `JSONSerialization` reads (a byte order mark, UTF-16, trailing commas).
    public init?(foundationObject object: Any) {
        switch object {
        case is NSNull:
            self = .null
        case let number as NSNumber:
            // JSONSerialization gives `true` and `false` as NSNumbers of type "c" (char).
            if String(cString: number.objCType) == "c" {
                self = .bool(number.boolValue)
            } else {
                guard number.doubleValue.isFinite else { return nil }
                self = .number(number.doubleValue)
            }
        case let text as String:
            self = .string(text)
        case let array as [Any]:
            var values: [JSONValue] = []
            values.reserveCapacity(array.count)
            for element in array {
                guard let value = JSONValue(foundationObject: element) else { return nil }
                values.append(value)
            }
            self = .array(values)
        case let dictionary as [String: Any]:
            var values: [String: JSONValue] = [:]
            values.reserveCapacity(dictionary.count)
            for (key, element) in dictionary {
                guard let value = JSONValue(foundationObject: element) else { return nil }
                values[key] = value
            }
            self = .object(values)
        default:
            return nil
        }
    }
}
