/// Why a decision is what it is: the reason words of the results event and the
/// `verification_results.reasons` column (README, Decision policy), as one type, so a word
/// can be neither misspelt nor invented.
public enum Reason: Hashable, Sendable, CustomStringConvertible {
    case faceMismatch
    case livenessFailed
    case captureLivenessFailed
    case faceReview
    case livenessReview
    case captureLivenessReview
    /// Transient vendor failures outlasted the retries (or the request's age limit).
    case vendorUnavailable
    /// The images exceed the vendor's 5 MB per request, or the vendor said so.
    case requestTooLarge
    /// A success answer in which a check carries `error` or lacks its number.
    case incompleteVendorResponse
    /// The request's work (images, journey, vendor calls) outlived `WORKER_REQUEST_DEADLINE_MS`.
    case deadlineExceeded
    /// Workers started on the request `WORKER_MAX_PROCESSING_RUNS` times without a decision: it
    /// keeps killing them (a poison message), so it is ended without a vendor call.
    case processingFailed
    /// An error the vendor answered that is final for the request, by its code.
    case vendorError(String)
    case imageUnavailable(ImageRole)
    case imageInvalid(ImageRole)
    case imageForbidden(ImageRole)

    /// The word as published and stored, e.g. `face_mismatch`, `vendor_error:FACE_TOO_SMALL`.
    public var word: String {
        switch self {
        case .faceMismatch: "face_mismatch"
        case .livenessFailed: "liveness_failed"
        case .captureLivenessFailed: "capture_liveness_failed"
        case .faceReview: "face_review"
        case .livenessReview: "liveness_review"
        case .captureLivenessReview: "capture_liveness_review"
        case .vendorUnavailable: "vendor_unavailable"
        case .requestTooLarge: "request_too_large"
        case .incompleteVendorResponse: "incomplete_vendor_response"
        case .deadlineExceeded: "deadline_exceeded"
        case .processingFailed: "processing_failed"
        case .vendorError(let code): "vendor_error:\(code)"
        case .imageUnavailable(let role): "image_unavailable:\(role.rawValue)"
        case .imageInvalid(let role): "image_invalid:\(role.rawValue)"
        case .imageForbidden(let role): "image_forbidden:\(role.rawValue)"
        }
    }

    public var description: String { word }

    private static let plain: [String: Reason] = Dictionary(uniqueKeysWithValues: [
        Reason.faceMismatch, .livenessFailed, .captureLivenessFailed, .faceReview, .livenessReview,
        .captureLivenessReview, .vendorUnavailable, .requestTooLarge, .incompleteVendorResponse,
        .deadlineExceeded, .processingFailed,
    ].map { ($0.word, $0) })

    /// The reason a stored or published word names; nil for a word no worker writes.
    public init?(word: String) {
        if let reason = Self.plain[word] {
            self = reason
            return
        }
        guard let colon = word.firstIndex(of: ":") else { return nil }
        let (kind, detail) = (word[..<colon], String(word[word.index(after: colon)...]))
        switch kind {
        case "vendor_error" where !detail.isEmpty: self = .vendorError(detail)
        case "image_unavailable": guard let role = ImageRole(rawValue: detail) else { return nil }; self = .imageUnavailable(role)
        case "image_invalid": guard let role = ImageRole(rawValue: detail) else { return nil }; self = .imageInvalid(role)
        case "image_forbidden": guard let role = ImageRole(rawValue: detail) else { return nil }; self = .imageForbidden(role)
        default: return nil
        }
    }
}
