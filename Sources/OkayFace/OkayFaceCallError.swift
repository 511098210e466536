/// Why a vendor call gave no answer to use (``OkayFaceCallOutcome/get()``).
public enum OkayFaceCallError: Error, Sendable, Equatable {
    /// The vendor answered with an error, e.g. `INCORRECT_PASSWORD` or `MAX_JOURNEY_EXCEEDED`.
    case vendor(code: String, httpStatus: Int)
    /// No HTTP answer.
    case transport(message: String, timedOut: Bool)

    /// Whether retrying later may help, by the rule of ``OkayFaceErrorClass``.
    public var isTransient: Bool {
        switch self {
        case .vendor(let code, let httpStatus): OkayFaceErrorClass.isTransient(httpStatus: httpStatus, code: code)
        case .transport: true
        }
    }
}
