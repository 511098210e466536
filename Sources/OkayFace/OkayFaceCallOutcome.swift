/// Outcome of ONE call attempt to either endpoint (the caller owns retries, so it can record
/// every attempt). `Answer` is what the endpoint answers: a journey id, an OkayFace Plus response.
public enum OkayFaceCallOutcome<Answer: Sendable>: Sendable {
    /// The vendor answered without an error.
    case success(Answer, httpStatus: Int)
    /// The vendor answered with an error code (the HTTP status's name, `HTTP_404`, when it gave
    /// none), and the answer itself when the endpoint has one worth keeping.
    case refused(code: String, httpStatus: Int, answer: Answer?)
    /// No HTTP answer: connect failure, timeout, oversized or broken response, cancellation.
    case transportFailed(message: String, timedOut: Bool)
    /// The vendor's quota said slow down: HTTP 429 or `MAX_API_CALL_EXCEEDED`, with the
    /// answer's `Retry-After` when it gave one. Transient, and a signal for the fleet's budget.
    case throttled(code: String, httpStatus: Int, retryAfter: Duration?)

    /// Whether trying again later may help, by the rule of ``OkayFaceErrorClass``.
    public var isTransient: Bool {
        switch self {
        case .success: false
        case .refused(let code, let httpStatus, _): OkayFaceErrorClass.isTransient(httpStatus: httpStatus, code: code)
        case .transportFailed, .throttled: true
        }
    }

    /// Whether the vendor's quota refused the call (``throttled(code:httpStatus:retryAfter:)``).
    public var isThrottled: Bool {
        if case .throttled = self { return true }
        return false
    }

    /// A failure of our own account or configuration (wrong password, a wrong base URL), which
    /// is never a customer's decision.
    public var isAccountFailure: Bool {
        guard case .refused(let code, let httpStatus, _) = self else { return false }
        return OkayFaceErrorClass.isAccountFailure(httpStatus: httpStatus, code: code)
    }

    /// What the vendor answered, success or not; nil without an answer.
    public var answer: Answer? {
        switch self {
        case .success(let answer, _): answer
        case .refused(_, _, let answer): answer
        case .transportFailed, .throttled: nil
        }
    }

    /// The answer of a success, or the failure as an error, for callers that only need the
    /// answer (tools, probes).
    public func get() throws(OkayFaceCallError) -> Answer {
        switch self {
        case .success(let answer, _): return answer
        case .refused(let code, let httpStatus, _): throw .vendor(code: code, httpStatus: httpStatus)
        case .transportFailed(let message, let timedOut): throw .transport(message: message, timedOut: timedOut)
        case .throttled(let code, let httpStatus, _): throw .vendor(code: code, httpStatus: httpStatus)
        }
    }
}

extension OkayFaceCallOutcome: Equatable where Answer: Equatable {}
