import Testing
import Verification

/// The rules a review action passes (README, Human review): four eyes by mode, the revision it
/// was made on, one pending action at a time, and never the proposer confirming their own.
@Suite("Review rules")
struct ReviewRulesTests {
    private static let decisions: [Decision] = [.approved, .rejected, .review, .error]

    @Test("four eyes `approvals`: only turning rejected or error into approved waits for a second reviewer")
    func approvalsMode() {
        let rules = ReviewRules(fourEyes: .approvals)
        for decision in Self.decisions {
            for action in ReviewAction.allCases {
                let step = rules.review(action, expectedRevision: 1, on: .init(decision: decision, revision: 1))
                let waits = action == .approve && (decision == .rejected || decision == .error)
                #expect(step == (waits ? .awaitSecondReviewer : .apply), "\(action) on \(decision)")
            }
        }
    }

    @Test("four eyes `all` holds every action; `off` none")
    func allAndOff() {
        for decision in Self.decisions {
            for action in ReviewAction.allCases {
                let current = ReviewRules.Current(decision: decision, revision: 3)
                #expect(ReviewRules(fourEyes: .all).review(action, expectedRevision: 3, on: current) == .awaitSecondReviewer)
                #expect(ReviewRules(fourEyes: .off).review(action, expectedRevision: 3, on: current) == .apply)
            }
        }
    }

    @Test("an action made on another revision is refused with the one in force")
    func staleRevision() {
        let rules = ReviewRules(fourEyes: .off)
        #expect(rules.review(.reject, expectedRevision: 1, on: .init(decision: .approved, revision: 2)) == .refuse(.staleRevision(current: 2)))
        #expect(rules.review(.reject, expectedRevision: 3, on: .init(decision: .approved, revision: 2)) == .refuse(.staleRevision(current: 2)))
    }

    @Test("while a four-eyes action waits, no other action is taken")
    func pendingBlocksOthers() {
        let current = ReviewRules.Current(decision: .rejected, revision: 1, pendingReviewId: "r-1")
        for action in ReviewAction.allCases {
            #expect(ReviewRules(fourEyes: .off).review(action, expectedRevision: 1, on: current) == .refuse(.pendingReview(reviewId: "r-1")))
        }
    }

    @Test("the proposer can neither confirm nor decline; a second reviewer can; settled is settled")
    func settling() {
        let rules = ReviewRules(fourEyes: .approvals)
        let pending = ReviewRules.Proposal(proposedBy: "alice", onRevision: 1, state: .pending)
        for confirming in [true, false] {
            #expect(rules.settle(pending, by: "alice", currentRevision: 1, confirming: confirming) == .refuse(.ownProposal))
            #expect(rules.settle(pending, by: "bob", currentRevision: 1, confirming: confirming) == .apply)
            for state in [ReviewRules.Proposal.State.confirmed, .declined] {
                let settled = ReviewRules.Proposal(proposedBy: "alice", onRevision: 1, state: state)
                #expect(rules.settle(settled, by: "bob", currentRevision: 1, confirming: confirming) == .refuse(.settled(state)))
            }
        }
        // A confirmation needs the decision it was proposed on; a decline changes nothing, so it may go ahead.
        #expect(rules.settle(pending, by: "bob", currentRevision: 2, confirming: true) == .refuse(.decisionChanged(current: 2, proposedOn: 1)))
        #expect(rules.settle(pending, by: "bob", currentRevision: 2, confirming: false) == .apply)
    }

    @Test("a reason is 1–2,000 characters after trimming")
    func reasons() {
        #expect(ReviewRules.normalizedReason(nil) == .failure(.reasonMissing))
        #expect(ReviewRules.normalizedReason(" \n\t ") == .failure(.reasonMissing))
        #expect(ReviewRules.normalizedReason("  ok  ") == .success("ok"))
        #expect(ReviewRules.normalizedReason(String(repeating: "é", count: 2_000)) == .success(String(repeating: "é", count: 2_000)))
        #expect(ReviewRules.normalizedReason(String(repeating: "x", count: 2_001)) == .failure(.reasonTooLong))
    }

    @Test("each action's decision and next action")
    func actions() {
        #expect(ReviewAction.approve.decision == .approved && ReviewAction.approve.nextAction == .proceed)
        #expect(ReviewAction.reject.decision == .rejected && ReviewAction.reject.nextAction == .stop)
        #expect(ReviewAction.requestRetake.decision == .rejected && ReviewAction.requestRetake.nextAction == .retakePhotos)
        #expect(ReviewAction.requestRetake.nextAction.retryable && !ReviewAction.reject.nextAction.retryable)
    }
}
