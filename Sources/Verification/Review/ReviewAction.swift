/// What a reviewer does to a decision (README, Human review). Any decision may be reviewed:
/// a `review` from the queue, any other as an override.
public enum ReviewAction: String, Sendable, Codable, CaseIterable {
    case approve
    case reject
    /// Rejected, and the customer is asked to capture again (`retake_photos`).
    case requestRetake = "request_retake"

    /// The decision the action puts in force.
    public var decision: Decision {
        self == .approve ? .approved : .rejected
    }

    /// The next action the new revision names.
    public var nextAction: NextAction {
        switch self {
        case .approve: .proceed
        case .reject: .stop
        case .requestRetake: .retakePhotos
        }
    }
}
