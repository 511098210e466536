/// The outcome of one verification request, as published and stored.
public enum Decision: String, Sendable, Codable, CaseIterable {
    /// All three checks passed.
    case approved
    /// At least one check failed; each failing check is named in the reasons.
    case rejected
    /// No check failed outright but a score fell inside an operator-configured review band.
    case review
    /// The vendor or the inputs made a decision impossible.
    case error
}

/// The reason words of design.md §3, built in one place so their spelling never drifts.
public enum Reason {
    public static let faceMismatch = "face_mismatch"
    public static let livenessFailed = "liveness_failed"
    public static let captureLivenessFailed = "capture_liveness_failed"
    public static let faceReview = "face_review"
    public static let livenessReview = "liveness_review"
    public static let captureLivenessReview = "capture_liveness_review"
    public static let vendorUnavailable = "vendor_unavailable"
    public static let requestTooLarge = "request_too_large"
    public static let incompleteVendorResponse = "incomplete_vendor_response"
    /// The request's work (images, journey, vendor calls) outlived `WORKER_REQUEST_DEADLINE_MS`.
    public static let deadlineExceeded = "deadline_exceeded"
    /// Workers started on the request more than `WORKER_MAX_PROCESSING_RUNS` times without a
    /// decision: it keeps killing them (a poison message), so it is ended without a vendor call.
    public static let processingFailed = "processing_failed"

    public static func vendorError(_ code: String) -> String { "vendor_error:\(code)" }
    public static func imageUnavailable(_ role: ImageRole) -> String { "image_unavailable:\(role.rawValue)" }
    public static func imageInvalid(_ role: ImageRole) -> String { "image_invalid:\(role.rawValue)" }
    public static func imageForbidden(_ role: ImageRole) -> String { "image_forbidden:\(role.rawValue)" }
}
