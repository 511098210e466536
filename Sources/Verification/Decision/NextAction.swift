/// What the onboarding app should do next, by who must act (README, Decision policy, "Next
/// action"): the customer, the sending service, nobody yet, or a reviewer.
public enum NextAction: String, Sendable, Codable, CaseIterable {
    /// Approved: go on with the onboarding.
    case proceed
    /// Rejected on a fraud signal (face mismatch, liveness): do not retry.
    case stop
    /// In review: a person decides.
    case awaitReview = "await_review"
    /// The customer must capture again (face quality, an unusable image).
    case retakePhotos = "retake_photos"
    /// Nobody did anything wrong: try again later (vendor down, deadline, poison).
    case retryLater = "retry_later"
    /// The sending service must fix the request (an image it cannot give, a bad journey).
    case fixRequest = "fix_request"

    /// Whether sending the request again (after the action) can change the outcome.
    public var retryable: Bool {
        switch self {
        case .proceed, .stop, .awaitReview: false
        case .retakePhotos, .retryLater, .fixRequest: true
        }
    }

    /// The vendor's codes that mean the customer must capture again.
    public static let retakeCodes: Set<String> = [
        "FACE_TOO_SMALL", "FACE_CROPPED", "FACE_IS_OCCLUDED", "FACE_CLOSE_TO_BORDER", "FACE_TOO_CLOSE",
        "FACE_ANGLE_TOO_LARGE", "FACE_NOT_FOUND", "TOO_MANY_FACES", "EYES_CLOSED", "Photo format error",
        "UNRECOGNIZED_IMAGE", "UNRESOLVED_PIC_CONTENT",
    ]

    /// Which action wins when the reasons of an `error` point to several.
    public static let errorPrecedence: [NextAction] = [.retakePhotos, .fixRequest, .retryLater]

    /// The next action of a decision. `error` decisions take the action of their reasons, the
    /// first of `retake_photos`, `fix_request`, `retry_later` that any reason points to: a
    /// customer who must retake a photo is told so even when something else went wrong too.
    public static func of(_ decision: Decision, reasons: [Reason]) -> NextAction {
        switch decision {
        case .approved: return .proceed
        case .rejected: return .stop
        case .review: return .awaitReview
        case .error:
            let actions = Set(reasons.map(action(of:)))
            for action in errorPrecedence where actions.contains(action) { return action }
            // An error without a reason has nobody to blame: it may work later.
            return .retryLater
        }
    }

    /// The action one reason of an `error` decision points to.
    public static func action(of reason: Reason) -> NextAction {
        switch reason {
        case .vendorError(let code): retakeCodes.contains(code) ? .retakePhotos : .fixRequest
        case .imageInvalid(.idCard), .imageInvalid(.best): .retakePhotos
        case .imageInvalid(.mobileSdkData), .imageUnavailable, .imageForbidden, .requestTooLarge: .fixRequest
        case .vendorUnavailable, .deadlineExceeded, .processingFailed: .retryLater
        // A success answer without its numbers: the vendor's side; a code beside it (often a
        // face-quality one) says more and takes precedence.
        case .incompleteVendorResponse: .retryLater
        // Not the reasons of an `error` decision; they lead to stop or await_review above.
        case .faceMismatch, .livenessFailed, .captureLivenessFailed: .stop
        case .faceReview, .livenessReview, .captureLivenessReview: .awaitReview
        }
    }
}
