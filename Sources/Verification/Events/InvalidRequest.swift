/// Why a message on the requests topic is not a valid VerificationRequested v1. `code` is the
/// value of the DLQ header `error.code`; `message` of `error.message`.
public struct InvalidRequest: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable machine-readable codes for the DLQ header `error.code`.
    public enum Code: String, Sendable {
        case malformedJSON = "malformed_json"
        case notAnObject = "not_an_object"
        case missingField = "missing_field"
        case invalidField = "invalid_field"
        case unsupportedSchemaVersion = "unsupported_schema_version"
        /// A valid request whose `requestId` already has a decision made for other content.
        case conflictingDuplicate = "conflicting_duplicate"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
