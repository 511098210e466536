/// The decision policy's numbers (README, Decision policy), stored with every decision.
///
/// The review bands are widths *below* each threshold: with `faceConfidence = 75` and
/// `faceConfidenceReviewBand = 10`, a confidence in [65, 75) gives `review` instead of
/// `rejected`. A band of 0 (the default) means no review band.
public struct Thresholds: Sendable, Equatable, Codable {
    public var faceConfidence: Double
    public var liveness: Double
    public var captureLiveness: Double
    public var faceConfidenceReviewBand: Double
    public var livenessReviewBand: Double
    public var captureLivenessReviewBand: Double

    /// The vendor's recommended thresholds, no review bands.
    public static let vendorRecommended = Thresholds(faceConfidence: 75, liveness: 0.5, captureLiveness: 0.5)

    public init(
        faceConfidence: Double, liveness: Double, captureLiveness: Double,
        faceConfidenceReviewBand: Double = 0, livenessReviewBand: Double = 0, captureLivenessReviewBand: Double = 0
    ) {
        self.faceConfidence = faceConfidence
        self.liveness = liveness
        self.captureLiveness = captureLiveness
        self.faceConfidenceReviewBand = faceConfidenceReviewBand
        self.livenessReviewBand = livenessReviewBand
        self.captureLivenessReviewBand = captureLivenessReviewBand
    }

    private enum CodingKeys: String, CodingKey {
        case faceConfidence, liveness, captureLiveness
        case faceConfidenceReviewBand, livenessReviewBand, captureLivenessReviewBand
    }

    /// The bands appear in the JSON only when configured, so the default event matches
    /// the README's Events section exactly.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(faceConfidence, forKey: .faceConfidence)
        try c.encode(liveness, forKey: .liveness)
        try c.encode(captureLiveness, forKey: .captureLiveness)
        if faceConfidenceReviewBand > 0 { try c.encode(faceConfidenceReviewBand, forKey: .faceConfidenceReviewBand) }
        if livenessReviewBand > 0 { try c.encode(livenessReviewBand, forKey: .livenessReviewBand) }
        if captureLivenessReviewBand > 0 { try c.encode(captureLivenessReviewBand, forKey: .captureLivenessReviewBand) }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        faceConfidence = try c.decode(Double.self, forKey: .faceConfidence)
        liveness = try c.decode(Double.self, forKey: .liveness)
        captureLiveness = try c.decode(Double.self, forKey: .captureLiveness)
        faceConfidenceReviewBand = try c.decodeIfPresent(Double.self, forKey: .faceConfidenceReviewBand) ?? 0
        livenessReviewBand = try c.decodeIfPresent(Double.self, forKey: .livenessReviewBand) ?? 0
        captureLivenessReviewBand = try c.decodeIfPresent(Double.self, forKey: .captureLivenessReviewBand) ?? 0
    }
}

extension Thresholds {
    /// As ``encode(to:)`` with sorted keys: the review bands only when set.
    func write(to j: inout JSONText) {
        j.raw("{\"captureLiveness\":")
        j.double(captureLiveness)
        if captureLivenessReviewBand > 0 {
            j.raw(",\"captureLivenessReviewBand\":")
            j.double(captureLivenessReviewBand)
        }
        j.raw(",\"faceConfidence\":")
        j.double(faceConfidence)
        if faceConfidenceReviewBand > 0 {
            j.raw(",\"faceConfidenceReviewBand\":")
            j.double(faceConfidenceReviewBand)
        }
        j.raw(",\"liveness\":")
        j.double(liveness)
        if livenessReviewBand > 0 {
            j.raw(",\"livenessReviewBand\":")
            j.double(livenessReviewBand)
        }
        j.raw("}")
    }
}
