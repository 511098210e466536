import Foundation

/// Who changed a decision and why: the `review` of a revision after the first (README, Events).
public struct Review: Sendable, Equatable, Codable {
    public var action: ReviewAction
    /// The reviewer the console authenticated; for a four-eyes action, the one who proposed it.
    public var reviewer: String
    public var reason: String
    public var reviewedAt: Date
    /// The second reviewer of a four-eyes action; nil when none was needed.
    public var confirmedBy: String?

    public init(action: ReviewAction, reviewer: String, reason: String, reviewedAt: Date, confirmedBy: String? = nil) {
        self.action = action
        self.reviewer = reviewer
        self.reason = reason
        self.reviewedAt = reviewedAt
        self.confirmedBy = confirmedBy
    }

    private enum CodingKeys: String, CodingKey {
        case action, reviewer, reason, reviewedAt, confirmedBy
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(action, forKey: .action)
        try c.encode(reviewer, forKey: .reviewer)
        try c.encode(reason, forKey: .reason)
        try c.encode(Timestamp.format(reviewedAt), forKey: .reviewedAt)
        try c.encode(confirmedBy, forKey: .confirmedBy)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        action = try c.decode(ReviewAction.self, forKey: .action)
        reviewer = try c.decode(String.self, forKey: .reviewer)
        reason = try c.decode(String.self, forKey: .reason)
        let text = try c.decode(String.self, forKey: .reviewedAt)
        guard let date = Timestamp.parse(text) else {
            throw DecodingError.dataCorruptedError(forKey: .reviewedAt, in: c, debugDescription: "not RFC 3339")
        }
        reviewedAt = date
        confirmedBy = try c.decodeIfPresent(String.self, forKey: .confirmedBy)
    }
}
