/// One parsed OkayFace Plus v1 answer (any HTTP status).
public struct OkayFacePlusResponse: Sendable, Equatable {
    public var httpStatus: Int
    /// "success", "error", "Internal Server Error"; a numeric status (framework error
    /// body) as its decimal string.
    public var status: String?
    /// "api.success" on success.
    public var messageCode: String?
    /// An error code such as "INVALID_JOURNEY_ID" or "Request size exceed 5MB.".
    public var message: String?
    /// The "error" field of a framework body, or any other top-level error string.
    public var topLevelError: String?
    /// `result_idcard.confidence`, 0 to 100.
    public var faceConfidence: VendorScore
    /// `imageBestLiveness.probability`, 0 to 1.
    public var liveness: VendorScore
    /// `imageBestCaptureLiveness.probability`, 0 to 1.
    public var captureLiveness: VendorScore
    /// `imageBestCaptureLiveness.score`: the vendor says never to decide on it; kept for audit.
    public var captureLivenessScore: Double?

    public init(
        httpStatus: Int,
        status: String? = nil,
        messageCode: String? = nil,
        message: String? = nil,
        topLevelError: String? = nil,
        faceConfidence: VendorScore = .missing,
        liveness: VendorScore = .missing,
        captureLiveness: VendorScore = .missing,
        captureLivenessScore: Double? = nil
    ) {
        self.httpStatus = httpStatus
        self.status = status
        self.messageCode = messageCode
        self.message = message
        self.topLevelError = topLevelError
        self.faceConfidence = faceConfidence
        self.liveness = liveness
        self.captureLiveness = captureLiveness
        self.captureLivenessScore = captureLivenessScore
    }

    /// True when HTTP 2xx and `status == "success"`. Scores may still carry errors
    /// (such as a face-quality code inside one check); judging them is the caller's job.
    public var isSuccess: Bool {
        (200..<300).contains(httpStatus) && status == "success"
    }

    /// Nil when ``isSuccess``; otherwise the vendor's code: `message` if present, else
    /// `status` when it is not "error"/"success" (e.g. "Internal Server Error"), else
    /// `topLevelError`, else "HTTP_<status>" ("UNPARSEABLE_RESPONSE" for a 2xx, whose
    /// body then said nothing usable).
    public var errorCode: String? {
        if isSuccess { return nil }
        return VendorErrorCode.resolve(httpStatus: httpStatus, status: status, message: message, topLevelError: topLevelError)
    }
}

/// The error-code rule shared by OkayFace Plus and Create JourneyID answers.
enum VendorErrorCode {
    static let unparseable = "UNPARSEABLE_RESPONSE"

    static func resolve(httpStatus: Int, status: String?, message: String?, topLevelError: String?) -> String {
        if let message { return message }
        if let status, status != "error", status != "success" { return status }
        if let topLevelError { return topLevelError }
        return (200..<300).contains(httpStatus) ? unparseable : "HTTP_\(httpStatus)"
    }
}
