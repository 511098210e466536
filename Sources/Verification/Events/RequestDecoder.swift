import Foundation
import JSONReading

/// Decodes and validates VerificationRequested v1 from the raw Kafka value.
///
/// Hand-validated rather than `Codable`, so that every rejection names the exact field
/// (the DLQ's `error.message` is read by the people who fix the upstream service).
public enum RequestDecoder {
    public static let maxRequestIdLength = 128
    public static let maxJourneyIdLength = 128
    public static let maxURILength = 2048
    public static let maxSubjectLength = 256

    public static func decode(_ bytes: [UInt8]) throws(InvalidRequest) -> VerificationRequested {
        guard !bytes.isEmpty else { throw InvalidRequest(.malformedJSON, "empty message value") }
        guard case .object(let object) = try document(bytes) else {
            throw InvalidRequest(.notAnObject, "value is JSON but not an object")
        }

        if let version = object["schemaVersion"], version != .null {
            guard case .number(let number) = version, number == 1 else {
                throw InvalidRequest(.unsupportedSchemaVersion, "schemaVersion must be 1")
            }
        }

        let requestId = try requiredString(object, "requestId", maxLength: maxRequestIdLength)
        if let problem = identifierProblem(requestId) { throw InvalidRequest(.invalidField, "requestId \(problem)") }
        let journeyId = try optionalString(object, "journeyId", maxLength: maxJourneyIdLength)

        guard let rawImages = object["images"], rawImages != .null else {
            throw InvalidRequest(.missingField, "missing required field images")
        }
        guard case .object(let imageObject) = rawImages else {
            throw InvalidRequest(.invalidField, "images must be an object")
        }
        var images: [ImageRole: String] = [:]
        for role in ImageRole.allCases {
            images[role] = try requiredString(imageObject, role.rawValue, maxLength: maxURILength, path: "images.")
        }

        let digests = try imageDigests(object["imageSha256"])

        let subject = try optionalString(object, "subject", maxLength: maxSubjectLength)
        var requestedAt: Date?
        if let text = try optionalString(object, "requestedAt", maxLength: 64) {
            guard let date = Timestamp.parse(text) else {
                throw InvalidRequest(.invalidField, "requestedAt must be an RFC 3339 timestamp")
            }
            requestedAt = date
        }
        return VerificationRequested(
            requestId: requestId, journeyId: journeyId, images: images, imageSHA256: digests, subject: subject,
            requestedAt: requestedAt)
    }

    /// `imageSha256`: optional, an object from image roles to 64 hex digits. Unlike elsewhere,
    /// an unknown key is refused: a misspelt role would silently skip the check it asks for.
    private static func imageDigests(_ raw: JSONValue?) throws(InvalidRequest) -> [ImageRole: String] {
        guard let raw, raw != .null else { return [:] }
        guard case .object(let object) = raw else { throw InvalidRequest(.invalidField, "imageSha256 must be an object") }
        var digests: [ImageRole: String] = [:]
        for key in object.keys.sorted() {
            guard let role = ImageRole(rawValue: key) else {
                throw InvalidRequest(.invalidField, "imageSha256 has an unknown key (expected idCard, best, mobileSdkData)")
            }
            guard let text = try optionalString(object, key, maxLength: 64, path: "imageSha256.") else { continue }
            let hex = text.lowercased()
            guard hex.utf8.count == 64, hex.utf8.allSatisfy({ isLowerHexDigit($0) }) else {
                throw InvalidRequest(.invalidField, "imageSha256.\(key) must be 64 hexadecimal digits")
            }
            digests[role] = hex
        }
        return digests
    }

    private static func requiredString(
        _ object: [String: JSONValue], _ key: String, maxLength: Int, path: String = ""
    ) throws(InvalidRequest) -> String {
        guard let value = try optionalString(object, key, maxLength: maxLength, path: path) else {
            throw InvalidRequest(.missingField, "missing required field \(path)\(key)")
        }
        return value
    }

    /// nil when absent or JSON null; throws when present with the wrong type, empty or too long.
    private static func optionalString(
        _ object: [String: JSONValue], _ key: String, maxLength: Int, path: String = ""
    ) throws(InvalidRequest) -> String? {
        guard let raw = object[key], raw != .null else { return nil }
        guard case .string(let text) = raw else {
            throw InvalidRequest(.invalidField, "\(path)\(key) must be a string")
        }
        guard !text.isEmpty else { throw InvalidRequest(.invalidField, "\(path)\(key) must not be empty") }
        // A string never has more characters than UTF-8 bytes: counting characters (grapheme
        // breaking) is needed only for the rare long one.
        guard text.utf8.count <= maxLength || text.count <= maxLength else {
            throw InvalidRequest(.invalidField, "\(path)\(key) is longer than \(maxLength) characters")
        }
        guard !text.unicodeScalars.contains(where: isControl) else {
            throw InvalidRequest(.invalidField, "\(path)\(key) contains control characters")
        }
        return text
    }

    /// Why `id` cannot be an idempotency key, or nil. `requestId` is what decides whether two
    /// events are the same request: an id of blanks, or one holding an invisible character
    /// (`zw\u{200B}-001` reads as `zw-001` in every log and console), would make two different
    /// keys look alike to the people who read them.
    public static func identifierProblem(_ id: String) -> String? {
        for scalar in id.unicodeScalars {
            // Printable ASCII is none of what follows; the Unicode property lookups below cost
            // more than the rest of decoding a request (docs/benchmarks.md).
            if (0x21..<0x7F).contains(scalar.value) { continue }
            if scalar.properties.isWhitespace { return "must not contain whitespace (U+\(hex(scalar)))" }
            switch scalar.properties.generalCategory {
            case .control: return "contains control characters"
            case .format: return "must not contain invisible format characters (U+\(hex(scalar)))"
            case .lineSeparator, .paragraphSeparator, .spaceSeparator: return "must not contain whitespace (U+\(hex(scalar)))"
            case .unassigned, .privateUse, .surrogate: return "must not contain unassigned or private-use characters (U+\(hex(scalar)))"
            default: continue
            }
        }
        // Default-ignorable scalars that are not of category Cf (e.g. U+115F HANGUL CHOSEONG FILLER).
        if let hidden = id.unicodeScalars.first(where: { !$0.isASCII && $0.properties.isDefaultIgnorableCodePoint }) {
            return "must not contain invisible characters (U+\(hex(hidden)))"
        }
        return nil
    }

    /// General category Cc, without the table lookup for the ASCII that nearly every field is.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar.value < 0x20 || scalar.value == 0x7F }
        return scalar.properties.generalCategory == .control
    }

    private static func hex(_ scalar: Unicode.Scalar) -> String {
        let digits = String(scalar.value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func isLowerHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    /// The JSON document in `bytes`, read as `JSONSerialization` reads it.
    ///
    /// The project's parser reads what nearly every producer sends (RFC 8259 in UTF-8) at a
    /// fraction of the cost: `JSONSerialization` and the casts of its Foundation objects were
    /// the largest part of decoding a request (docs/benchmarks.md). What it refuses goes to
    /// `JSONSerialization` after all, which also takes a byte order mark, UTF-16 and trailing
    /// commas: a producer that sent those before is still decided, never dead-lettered by
    /// this change of parser.
    private static func document(_ bytes: [UInt8]) throws(InvalidRequest) -> JSONValue {
        if let value = JSONValue.parse(bytes, strict: true) { return value }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]),
            let value = JSONValue(foundationObject: object)
        else {
            throw InvalidRequest(.malformedJSON, "value is not valid JSON")
        }
        return value
    }
}
