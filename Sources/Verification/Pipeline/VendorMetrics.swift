import Metrics

/// The pipeline's counters (swift-metrics; exported by whatever backend the process installs).
struct VendorMetrics: Sendable {
    /// OkayFace Plus calls repeated because an earlier run of the same request reached the
    /// vendor and died before its decision was written.
    let duplicateVendorCalls = Counter(label: "okayface_duplicate_vendor_calls_total")
    /// Requests ended as poison (`processing_failed`).
    let poisonRequests = Counter(label: "okayface_poison_requests_total")
    /// Requests ended by their deadline.
    let deadlineExceeded = Counter(label: "okayface_request_deadline_exceeded_total")
}
