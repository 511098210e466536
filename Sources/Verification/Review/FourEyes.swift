/// Which review actions take effect only when a second, different reviewer confirms them
/// (`REVIEW_FOUR_EYES`).
public enum FourEyes: String, Sendable, CaseIterable {
    /// None: every action takes effect at once.
    case off
    /// Those that turn a `rejected` or `error` decision into `approved`: the ones a fraudster
    /// would need an accomplice for.
    case approvals
    /// Every action.
    case all

    /// Whether `action` on a decision now `current` waits for a second reviewer.
    public func needsSecondReviewer(_ action: ReviewAction, on current: Decision) -> Bool {
        switch self {
        case .off: false
        case .all: true
        case .approvals: action == .approve && (current == .rejected || current == .error)
        }
    }
}
