import Verification
import Foundation
import OkayFace

/// One call to the vendor, as stored in `vendor_calls` (never image bytes or credentials).
public struct VendorCallRecord: Sendable, Equatable {
    /// Which vendor endpoint.
    public enum Endpoint: String, Sendable {
        case createJourney = "journeyid"
        case okayFacePlus = "okayface_plus_v1"
    }

    /// How the call ended.
    public enum Outcome: String, Sendable {
        /// The vendor answered with a usable result.
        case success
        /// The vendor answered with an error that is final for this request.
        case vendorError = "vendor_error"
        /// The vendor answered with an error worth retrying (5xx, 429, quota, …).
        case transientError = "transient_error"
        /// No HTTP answer: connection failure.
        case transportError = "transport_error"
        /// No HTTP answer in time.
        case timeout
    }

    public var endpoint: Endpoint
    public var attempt: Int
    public var startedAt: Date
    public var durationMs: Double
    public var httpStatus: Int?
    public var outcome: Outcome
    /// The vendor's code or the transport error, for support.
    public var errorCode: String?

    public init(
        endpoint: Endpoint, attempt: Int, startedAt: Date, durationMs: Double, httpStatus: Int?, outcome: Outcome,
        errorCode: String?
    ) {
        self.endpoint = endpoint
        self.attempt = attempt
        self.startedAt = startedAt
        self.durationMs = durationMs
        self.httpStatus = httpStatus
        self.outcome = outcome
        self.errorCode = errorCode
    }
}

extension VendorCallRecord {
    /// The record of one call, whichever endpoint, from what it returned.
    init<Answer>(endpoint: Endpoint, attempt: Int, startedAt: Date, durationMs: Double, outcome: OkayFaceCallOutcome<Answer>) {
        switch outcome {
        case .success(_, let status):
            self.init(
                endpoint: endpoint, attempt: attempt, startedAt: startedAt, durationMs: durationMs, httpStatus: status,
                outcome: .success, errorCode: nil)
        case .refused(let code, let status, _):
            self.init(
                endpoint: endpoint, attempt: attempt, startedAt: startedAt, durationMs: durationMs, httpStatus: status,
                outcome: outcome.isTransient ? .transientError : .vendorError, errorCode: code)
        case .throttled(let code, let status, _):
            self.init(
                endpoint: endpoint, attempt: attempt, startedAt: startedAt, durationMs: durationMs, httpStatus: status,
                outcome: .transientError, errorCode: code)
        case .transportFailed(let message, let timedOut):
            self.init(
                endpoint: endpoint, attempt: attempt, startedAt: startedAt, durationMs: durationMs, httpStatus: nil,
                outcome: timedOut ? .timeout : .transportError, errorCode: message)
        }
    }
}
