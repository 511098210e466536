import Verification
import Metrics

/// The pipeline's metrics (swift-metrics; the worker exports them in Prometheus form on
/// `/metrics`). Labels stay few and bounded: decisions, reason words, endpoints and vendor
/// error codes, never request ids or free text.
struct PipelineMetrics: Sendable {
    /// Messages taken from the requests topic, valid or not.
    let requestsConsumed = Counter(label: "okayface_requests_consumed_total")
    /// OkayFace Plus calls repeated because an earlier run of the same request reached the
    /// vendor and died before its decision was written.
    let duplicateVendorCalls = Counter(label: "okayface_duplicate_vendor_calls_total")
    /// Requests ended as poison (`processing_failed`).
    let poisonRequests = Counter(label: "okayface_poison_requests_total")
    /// Requests ended by their deadline.
    let deadlineExceeded = Counter(label: "okayface_request_deadline_exceeded_total")
    /// Vendor calls after the first attempt of their request.
    let vendorRetries = Counter(label: "okayface_vendor_retries_total")
    /// Re-driven requests (`redrive.of`) written as their decision's next revision, and those
    /// skipped because the decision had moved on (a review, another re-drive) meanwhile.
    let redrivesDecided = Counter(label: "okayface_redrives_total", dimensions: [("outcome", "decided")])
    let redrivesSkipped = Counter(label: "okayface_redrives_total", dimensions: [("outcome", "skipped")])
    /// Requests being worked on (claim to decision).
    let inFlightRequests = Meter(label: "okayface_in_flight_requests")
    /// Bytes of the images of requests between their load and the end of their vendor calls.
    let inFlightImageBytes = Meter(label: "okayface_in_flight_image_bytes")

    /// Per endpoint, made once: every vendor call records into one (a per-call lookup in the
    /// backend's registry would take its lock twice per decision).
    private let journeyDuration = Timer(
        label: "okayface_vendor_call_duration_seconds", dimensions: [("endpoint", VendorCallRecord.Endpoint.createJourney.rawValue)])
    private let okayFacePlusDuration = Timer(
        label: "okayface_vendor_call_duration_seconds", dimensions: [("endpoint", VendorCallRecord.Endpoint.okayFacePlus.rawValue)])

    /// One per decision written, and one per reason word (`reason="none"` without any).
    func decided(_ decision: Decision, reasons: [Reason]) {
        for reason in reasons.isEmpty ? ["none"] : reasons.map(\.word) {
            Counter(label: "okayface_decisions_total", dimensions: [("decision", decision.rawValue), ("reason", reason)]).increment()
        }
    }

    /// A message that went to the DLQ, by its `error.code`.
    func deadLettered(code: String) {
        Counter(label: "okayface_dead_letters_total", dimensions: [("code", code)]).increment()
    }

    /// A vendor call's duration, and its failure by code: the vendor's error code, or the
    /// outcome (`timeout`, `transport_error`) when there was no answer, whose message would be
    /// an unbounded label.
    func vendorCall(_ call: VendorCallRecord) {
        let endpoint = call.endpoint.rawValue
        let duration = call.endpoint == .okayFacePlus ? okayFacePlusDuration : journeyDuration
        duration.recordNanoseconds(Int64(call.durationMs * 1_000_000))
        if call.attempt > 1 { vendorRetries.increment() }
        let code: String? =
            switch call.outcome {
            case .success: nil
            case .vendorError, .transientError:
                call.errorCode.flatMap(Self.boundedCode) ?? call.httpStatus.map { "HTTP_\($0)" } ?? call.outcome.rawValue
            case .transportError, .timeout: call.outcome.rawValue
            }
        if let code {
            Counter(label: "okayface_vendor_call_errors_total", dimensions: [("endpoint", endpoint), ("code", code)]).increment()
        }
    }

    /// Vendor codes are upper-case words; anything else (a gateway's status text) is not a
    /// label: the caller falls back to the HTTP status.
    private static func boundedCode(_ code: String) -> String? {
        code.count <= 64 && code.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "_") } ? code : nil
    }
}
