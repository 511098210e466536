import Foundation
import Hummingbird

/// The test/demo override carried in the `mobileSdkData` part: when that part is a JSON object
/// with a `simulate` object, its fields decide the answer instead of ``ScoreModel``.
///
/// ```json
/// {"simulate":{"faceConfidence":75,"liveness":0.5,"captureLiveness":0.9,"captureScore":0.1}}
/// {"simulate":{"error":"INVALID_JOURNEY_ID","httpStatus":400}}
/// {"simulate":{"delayMs":200}}
/// {"simulate":{"livenessError":"FACE_TOO_SMALL","omit":["faceConfidence"],"intScores":true}}
/// {"simulate":{"failFirst":2,"failStatus":503,"key":"k1"}}
/// ```
/// A directive whose fields have the wrong JSON types is ignored as a whole (and logged),
/// so the call is answered as if the SDK data were opaque.
struct SimulateDirective: Sendable, Equatable, Decodable {
    /// Exact `result_idcard.confidence`.
    var faceConfidence: Double?
    /// Exact `imageBestLiveness.probability`.
    var liveness: Double?
    /// Exact `imageBestCaptureLiveness.probability`; when given without ``captureScore`` the
    /// score is its logit, so the pair stays consistent.
    var captureLiveness: Double?
    /// Exact `imageBestCaptureLiveness.score`.
    var captureScore: Double?
    /// Answer `{"status":"error","message":error}` (or `{"status":"Internal Server Error"}`
    /// when `error` is exactly "Internal Server Error") instead of scores.
    var error: String?
    /// HTTP status of ``error``; 400 by default, 500 for "Internal Server Error".
    var httpStatus: Int?
    /// Extra delay before answering, in milliseconds.
    var delayMs: Double?
    /// Put `{"error": code}` in `result_idcard` instead of the confidence.
    var faceConfidenceError: String?
    /// Put `{"error": code}` in `imageBestLiveness` instead of the probability.
    var livenessError: String?
    /// Put `{"error": code}` in `imageBestCaptureLiveness` instead of the probability and score.
    var captureLivenessError: String?
    /// Objects to leave out of the answer: `faceConfidence`, `liveness`, `captureLiveness`.
    var omit: [String]?
    /// Emit whole numbers as JSON integers (`100` rather than `100.0`), as the vendor sometimes does.
    var intScores: Bool?
    /// Answer the first `failFirst` calls carrying ``key`` with a transient failure.
    var failFirst: Int?
    /// HTTP status of those failures: 503 (framework body, the default), 500 or 429.
    var failStatus: Int?
    /// Counter shared by the calls of one retry sequence; the journeyId by default.
    var key: String?

    private struct Envelope: Decodable {
        var simulate: SimulateDirective?
    }

    /// SDK bundles above this size are real binary data, never a directive; skipping them keeps
    /// large uploads from going through the JSON parser.
    private static let maximumDirectiveSize = 64 * 1024

    /// The directive in `mobileSdkData`, `nil` when the part is not a JSON object with a
    /// `simulate` object. Throws when the `simulate` object is malformed.
    static func parse(mobileSdkData: ByteBuffer) throws -> SimulateDirective? {
        guard mobileSdkData.readableBytes <= maximumDirectiveSize,
            let first = mobileSdkData.readableBytesView.first(where: { !Self.isJSONWhitespace($0) }),
            first == UInt8(ascii: "{")
        else { return nil }
        let bytes = Data(mobileSdkData.readableBytesView)
        // Plain SDK JSON without `simulate` (or not JSON at all) is simply opaque data.
        guard let object = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any],
            object["simulate"] != nil
        else { return nil }
        return try JSONDecoder().decode(Envelope.self, from: bytes).simulate
    }

    private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
