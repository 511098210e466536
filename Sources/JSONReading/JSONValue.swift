/// Any JSON value, as ``parse(_:strict:)`` reads it.
public enum JSONValue: Equatable, Sendable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([JSONValue])
    case object([String: JSONValue])
    case null
    /// A value Foundation cannot represent (for example a number beyond Double's range).
    case unsupported

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// A non-empty string.
    public var text: String? {
        if case .string(let string) = self, !string.isEmpty { return string }
        return nil
    }
}
