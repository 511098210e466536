import Digest
import Foundation
import Hummingbird

/// The four numbers of an OkayFace Plus answer.
struct Scores: Sendable, Equatable {
    /// `result_idcard.confidence`, 0…100.
    var faceConfidence: Double
    /// `imageBestLiveness.probability`, 0…1.
    var liveness: Double
    /// `imageBestCaptureLiveness.probability`, 0…1.
    var captureLiveness: Double
    /// `imageBestCaptureLiveness.score`, the logit of ``captureLiveness``.
    var captureScore: Double
}

/// Turns the submitted bytes into real-looking scores, deterministically: the same images and
/// SDK data always give the same answer, so tests and replays are reproducible.
///
/// Each check draws two uniforms `u1`, `u2` in [0, 1) from the first 16 bytes of a SHA-256
/// over the inputs that check looks at in the real service:
/// - face match, from SHA-256("face-match" ‖ H(imageIdCard) ‖ H(imageBest)):
///   `u1 < 0.8` → confidence `min(100, 80 + 22·u2)` (a match; ~7% of these saturate at 100.0),
///   otherwise `20 + 54·u2` (a mismatch, below the vendor's threshold of 75);
/// - face liveness, from SHA-256("liveness" ‖ H(imageBest)):
///   `u1 < 0.9` → `0.8 + 0.19·u2`, otherwise `0.02 + 0.46·u2` (an attack);
/// - capture liveness, from SHA-256("capture-liveness" ‖ H(imageBest) ‖ H(mobileSdkData)):
///   `u1 < 0.9` → `0.9 + 0.1·u2`, otherwise `0.4·u2`;
///   its `score` is `ln(q / (1 − q))` clamped to ±16.1180957 (= −ln 1e-7), the vendor's range.
///
/// So about 65% of random pairs pass all three default thresholds. Probabilities are rounded
/// to 8 decimals and confidence to 4, like the vendor's numbers.
enum ScoreModel {
    /// −ln(1e-7): the vendor documents the capture score within about ±this.
    static let scoreLimit = 16.11809565095832

    static func scores(imageIdCard: ByteBuffer, imageBest: ByteBuffer, mobileSdkData: ByteBuffer) -> Scores {
        let idCard = digest(imageIdCard)
        let best = digest(imageBest)
        let sdk = digest(mobileSdkData)

        let match = Uniforms(SHA256.digest(Array("face-match".utf8) + idCard + best))
        let faceConfidence = match.u1 < 0.8 ? min(100, 80 + 22 * match.u2) : 20 + 54 * match.u2

        let live = Uniforms(SHA256.digest(Array("liveness".utf8) + best))
        let liveness = live.u1 < 0.9 ? 0.8 + 0.19 * live.u2 : 0.02 + 0.46 * live.u2

        let capture = Uniforms(SHA256.digest(Array("capture-liveness".utf8) + best + sdk))
        let captureLiveness = rounded(capture.u1 < 0.9 ? 0.9 + 0.1 * capture.u2 : 0.4 * capture.u2, places: 8)

        return Scores(
            faceConfidence: rounded(faceConfidence, places: 4),
            liveness: rounded(liveness, places: 8),
            captureLiveness: captureLiveness,
            captureScore: captureScore(forProbability: captureLiveness)
        )
    }

    /// The vendor's linear capture score for a probability: its logit, clamped to the documented range.
    static func captureScore(forProbability q: Double) -> Double {
        let logit = log(q / (1 - q))
        guard !logit.isNaN else { return 0 }
        return rounded(min(max(logit, -scoreLimit), scoreLimit), places: 7)
    }

    private static let digests = ImageDigestCache()

    private static func digest(_ buffer: ByteBuffer) -> [UInt8] {
        digests.digest(buffer)
    }

    private static func rounded(_ value: Double, places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }

    /// Two uniforms in [0, 1) from the first 16 bytes of a digest.
    private struct Uniforms {
        let u1: Double
        let u2: Double

        init(_ digest: [UInt8]) {
            func word(_ start: Int) -> UInt64 {
                digest[start..<(start + 8)].reduce(0) { $0 << 8 | UInt64($1) }
            }
            // 53 bits fill a Double's mantissa exactly, so the result is uniform and below 1.
            u1 = Double(word(0) >> 11) / Double(1 << 53)
            u2 = Double(word(8) >> 11) / Double(1 << 53)
        }
    }
}
