/// How one check of a decision came out, with the numbers it was judged on: the `checks` of
/// a decision, so it explains itself (README, Decision policy).
public struct CheckOutcome: Sendable, Equatable, Codable {
    /// Which check.
    public enum Check: String, Sendable, CaseIterable, Codable {
        case faceMatch
        case liveness
        case captureLiveness

        /// The vendor's field the value comes from.
        public var field: String {
            switch self {
            case .faceMatch: "result_idcard.confidence"
            case .liveness: "imageBestLiveness.probability"
            case .captureLiveness: "imageBestCaptureLiveness.probability"
            }
        }

        /// How the value passes: face match at or above its threshold, liveness above it.
        public var rule: String { self == .faceMatch ? ">=" : ">" }
    }

    /// The verdict of one check.
    public enum Outcome: String, Sendable, Codable {
        case pass
        case fail
        /// Inside the review band below the threshold.
        case review
        /// No number: the check carried an error or nothing.
        case missing
    }

    public var check: Check
    public var value: Double?
    public var threshold: Double
    public var reviewBand: Double
    public var outcome: Outcome

    public init(check: Check, value: Double?, threshold: Double, reviewBand: Double, outcome: Outcome) {
        self.check = check
        self.value = value
        self.threshold = threshold
        self.reviewBand = reviewBand
        self.outcome = outcome
    }

    /// Judges `value` by the check's rule: at or above (face match) or above (liveness) the
    /// threshold passes; inside the band below it is review; lower fails.
    public static func judge(_ check: Check, _ value: Double?, threshold: Double, band: Double) -> CheckOutcome {
        let outcome: Outcome
        if let value {
            let passes = check == .faceMatch ? value >= threshold : value > threshold
            let inBand = band > 0 && (check == .faceMatch ? value >= threshold - band : value > threshold - band)
            outcome = passes ? .pass : inBand ? .review : .fail
        } else {
            outcome = .missing
        }
        return CheckOutcome(check: check, value: value, threshold: threshold, reviewBand: band, outcome: outcome)
    }

    private enum CodingKeys: String, CodingKey {
        case check, field, value, rule, threshold, reviewBand, outcome
    }

    /// As in the event's `checks` (README, Events): the vendor's field and the rule beside the
    /// numbers, and `value` as an explicit null when the vendor gave none.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(check, forKey: .check)
        try c.encode(check.field, forKey: .field)
        try c.encode(value, forKey: .value)
        try c.encode(check.rule, forKey: .rule)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(reviewBand, forKey: .reviewBand)
        try c.encode(outcome, forKey: .outcome)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        check = try c.decode(Check.self, forKey: .check)
        value = try c.decodeIfPresent(Double.self, forKey: .value)
        threshold = try c.decode(Double.self, forKey: .threshold)
        reviewBand = try c.decodeIfPresent(Double.self, forKey: .reviewBand) ?? 0
        outcome = try c.decode(Outcome.self, forKey: .outcome)
    }
}

extension CheckOutcome {
    /// The bytes `JSONEncoder` with `.sortedKeys` gives for `checks` (`JSONTextTests` compares):
    /// the event's `checks` and the `checks` column.
    public static func jsonBytes(_ checks: [CheckOutcome]) -> [UInt8] {
        var j = JSONText(capacity: 160 * checks.count + 2)
        write(checks, to: &j)
        return j.bytes
    }

    static func write(_ checks: [CheckOutcome], to j: inout JSONText) {
        j.raw("[")
        for (n, c) in checks.enumerated() {
            j.raw(n == 0 ? "{\"check\":" : ",{\"check\":")
            j.string(c.check.rawValue)
            j.raw(",\"field\":")
            j.string(c.check.field)
            j.raw(",\"outcome\":")
            j.string(c.outcome.rawValue)
            j.raw(",\"reviewBand\":")
            j.double(c.reviewBand)
            j.raw(",\"rule\":")
            j.string(c.check.rule)
            j.raw(",\"threshold\":")
            j.double(c.threshold)
            j.raw(",\"value\":")
            j.double(c.value)
            j.raw("}")
        }
        j.raw("]")
    }
}
