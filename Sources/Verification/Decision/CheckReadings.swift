/// What the vendor measured for one request, in the domain's words: one reading per check,
/// whatever the vendor's wire format. The decision policy decides on these alone.
public struct CheckReadings: Sendable, Equatable {
    /// One check's result.
    public enum Reading: Sendable, Equatable {
        /// The check's number (a confidence 0–100 or a probability 0–1).
        case value(Double)
        /// The check carried an error code instead of a number (often a face-quality code).
        case error(String)
        /// The check carried neither.
        case missing

        /// The number, when there is a finite one.
        public var number: Double? {
            if case .value(let v) = self, v.isFinite { return v }
            return nil
        }
    }

    public var faceConfidence: Reading
    public var liveness: Reading
    public var captureLiveness: Reading
    /// Kept for audit only: the vendor says never to decide on it.
    public var captureLivenessScore: Double?
    /// The vendor refused the whole request with this code or message (then there are no readings).
    public var refusal: String?

    public init(
        faceConfidence: Reading, liveness: Reading, captureLiveness: Reading, captureLivenessScore: Double? = nil,
        refusal: String? = nil
    ) {
        self.faceConfidence = faceConfidence
        self.liveness = liveness
        self.captureLiveness = captureLiveness
        self.captureLivenessScore = captureLivenessScore
        self.refusal = refusal
    }

    /// The numbers as stored and published.
    public var scores: Scores {
        Scores(
            faceConfidence: faceConfidence.number, liveness: liveness.number, captureLiveness: captureLiveness.number,
            captureLivenessScore: captureLivenessScore)
    }
}
