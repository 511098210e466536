import Foundation
import Verification

/// The body of `POST /api/v1/decisions/{requestId}/reviews`: `action`, `reason` and
/// `expectedRevision`. Any other field (a `reviewer`, say) is ignored: the reviewer is the
/// authenticated user.
struct ReviewBody: Sendable {
    var action: ReviewAction
    var reason: String
    var expectedRevision: Int

    /// 400 for a body that is not a JSON object; 422 naming the field for a missing or wrong one.
    init(json: Data) throws(APIError) {
        guard let object = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else {
            throw .badRequest("the body must be a JSON object: {\"action\", \"reason\", \"expectedRevision\"}")
        }
        guard let actionText = object["action"] as? String else {
            throw .invalid("action_missing", "action is required: one of \(Self.actions)")
        }
        guard let action = ReviewAction(rawValue: actionText) else {
            throw .invalid("unknown_action", "action must be one of \(Self.actions) (got \"\(actionText)\")")
        }
        switch ReviewRules.normalizedReason(object["reason"] as? String) {
        case .failure(.reasonTooLong):
            throw .invalid("reason_too_long", "reason can have at most \(ReviewRules.maxReasonLength) characters")
        case .failure:
            throw .invalid("reason_missing", "reason is required: why, in 1–\(ReviewRules.maxReasonLength) characters")
        case .success(let reason):
            self.reason = reason
        }
        // JSONDecoder, not JSONSerialization, for the number: it takes 2, and refuses true, 2.5 and "2".
        struct Revision: Decodable { var expectedRevision: Int }
        guard let revision = try? JSONDecoder().decode(Revision.self, from: json).expectedRevision, revision >= 1 else {
            throw .invalid(
                "expected_revision_missing",
                "expectedRevision is required: the whole-number revision the action was made on (the decision's `revision`)")
        }
        self.action = action
        expectedRevision = revision
    }

    private static var actions: String { ReviewAction.allCases.map(\.rawValue).joined(separator: ", ") }
}
