/// The vendor's numbers for one request; nil where the vendor did not return a number.
public struct Scores: Sendable, Equatable {
    public var faceConfidence: Double?
    public var liveness: Double?
    public var captureLiveness: Double?
    /// Kept for audit only: the vendor says never to decide on it.
    public var captureLivenessScore: Double?

    public static let none = Scores(faceConfidence: nil, liveness: nil, captureLiveness: nil, captureLivenessScore: nil)

    public init(faceConfidence: Double?, liveness: Double?, captureLiveness: Double?, captureLivenessScore: Double?) {
        self.faceConfidence = faceConfidence
        self.liveness = liveness
        self.captureLiveness = captureLiveness
        self.captureLivenessScore = captureLivenessScore
    }
}
