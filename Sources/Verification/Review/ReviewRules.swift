import Foundation

/// The rules a review action passes before it changes anything, as a value that answers what
/// to do: apply the action now, wait for a second reviewer, or refuse and why. The console
/// reads the current state under a row lock, asks here, and performs the answer in the same
/// transaction, so the rules are tested without a database (Tests/VerificationTests).
public struct ReviewRules: Sendable {
    /// The longest reason, in characters.
    public static let maxReasonLength = 2_000

    public var fourEyes: FourEyes

    public init(fourEyes: FourEyes) {
        self.fourEyes = fourEyes
    }

    /// A decision as a review finds it.
    public struct Current: Sendable, Equatable {
        public var decision: Decision
        public var revision: Int
        /// The four-eyes action waiting on this decision, if any.
        public var pendingReviewId: String?

        public init(decision: Decision, revision: Int, pendingReviewId: String? = nil) {
            self.decision = decision
            self.revision = revision
            self.pendingReviewId = pendingReviewId
        }
    }

    /// A four-eyes action as a confirmation or a decline finds it.
    public struct Proposal: Sendable, Equatable {
        public enum State: String, Sendable { case pending, confirmed, declined }
        public var proposedBy: String
        public var onRevision: Int
        public var state: State

        public init(proposedBy: String, onRevision: Int, state: State) {
            self.proposedBy = proposedBy
            self.onRevision = onRevision
            self.state = state
        }
    }

    /// What to do with an action.
    public enum Step: Sendable, Equatable {
        /// Write revision `current.revision + 1` now.
        case apply
        /// Record the action as pending; the decision in force stays.
        case awaitSecondReviewer
        case refuse(Refusal)
    }

    /// Why an action changes nothing.
    public enum Refusal: Error, Sendable, Equatable {
        /// The action was made on another revision than the one in force.
        case staleRevision(current: Int)
        /// A four-eyes action waits on this decision: it is confirmed or declined first.
        case pendingReview(reviewId: String)
        /// The proposer of a four-eyes action cannot settle it.
        case ownProposal
        /// The four-eyes action was settled already.
        case settled(Proposal.State)
        /// The decision changed since the action was proposed.
        case decisionChanged(current: Int, proposedOn: Int)
        case reasonMissing
        case reasonTooLong
    }

    /// The reason as it is stored (trimmed), or why it cannot be: missing, or longer than
    /// `maxReasonLength` characters.
    public static func normalizedReason(_ reason: String?) -> Result<String, Refusal> {
        let trimmed = (reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return .failure(.reasonMissing) }
        if trimmed.count > maxReasonLength { return .failure(.reasonTooLong) }
        return .success(trimmed)
    }

    /// A reviewer's action on the decision in force.
    public func review(_ action: ReviewAction, expectedRevision: Int, on current: Current) -> Step {
        if let pending = current.pendingReviewId { return .refuse(.pendingReview(reviewId: pending)) }
        if expectedRevision != current.revision { return .refuse(.staleRevision(current: current.revision)) }
        return fourEyes.needsSecondReviewer(action, on: current.decision) ? .awaitSecondReviewer : .apply
    }

    /// A second reviewer's confirmation (`confirming`) or decline of a pending action. A
    /// decline changes no decision, so it needs no check of the revision.
    public func settle(_ proposal: Proposal, by user: String, currentRevision: Int, confirming: Bool) -> Step {
        if proposal.state != .pending { return .refuse(.settled(proposal.state)) }
        if proposal.proposedBy == user { return .refuse(.ownProposal) }
        if confirming, proposal.onRevision != currentRevision {
            return .refuse(.decisionChanged(current: currentRevision, proposedOn: proposal.onRevision))
        }
        return .apply
    }
}
