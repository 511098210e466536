import Foundation
import JSONReading

extension OkayFacePlusResponse {
    /// Never throws: a non-JSON or odd body still yields a value (scores `.missing`,
    /// errorCode "HTTP_<status>", or "UNPARSEABLE_RESPONSE" on a 2xx).
    public static func parse(httpStatus: Int, body: [UInt8]) -> OkayFacePlusResponse {
        var response = OkayFacePlusResponse(httpStatus: httpStatus)
        guard let json = VendorJSON.decode(body), case .object = json else { return response }
        response.status = VendorJSON.status(json["status"])
        response.messageCode = json["messageCode"]?.text
        response.message = json["message"]?.text
        response.topLevelError = json["error"]?.text
        response.faceConfidence = score(json["result_idcard"], key: "confidence")
        response.liveness = score(json["imageBestLiveness"], key: "probability")
        response.captureLiveness = score(json["imageBestCaptureLiveness"], key: "probability")
        response.captureLivenessScore = json["imageBestCaptureLiveness"]?["score"]?.finiteNumber
        return response
    }

    /// An `error` wins over a number in the same object: the vendor flagged that check,
    /// so its number (if any) is not to be trusted.
    private static func score(_ object: JSONValue?, key: String) -> VendorScore {
        guard let object, case .object = object else { return .missing }
        switch object["error"] {
        case .none, .null?:
            break
        case .string(let text)? where text.isEmpty:
            break
        case .string(let text)?:
            return .error(text)
        case .number(let number)?:
            return .error(VendorJSON.decimalText(number))
        case .bool(false)?:
            break
        default:
            return .error("UNRECOGNIZED_ERROR")
        }
        if let number = object[key]?.finiteNumber { return .value(number) }
        return .missing
    }
}

/// Decoding helpers shared by the vendor's answer types.
enum VendorJSON {
    /// Nil for anything that is not JSON at all.
    static func decode(_ body: [UInt8]) -> JSONValue? {
        guard !body.isEmpty else { return nil }
        return JSONValue.parse(body)
    }

    /// `status` is text in the vendor's own bodies and a number in framework error bodies.
    static func status(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)? where !text.isEmpty: text
        case .number(let number)?: decimalText(number)
        default: nil
        }
    }

    /// 500 rather than 500.0 for integral values.
    static func decimalText(_ number: Double) -> String {
        if number.isFinite, number == number.rounded(), abs(number) < 1e15 {
            return String(Int64(number))
        }
        return String(number)
    }
}
