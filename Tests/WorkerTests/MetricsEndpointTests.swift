import Foundation
import Worker
import TestSupport
import Testing

/// `/metrics` in Prometheus text format after real traffic: every family the operators'
/// dashboards need is there, with the labels they filter on. Counters are shared by all
/// workers of the test process, so values are checked as lower bounds.
@Suite(.timeLimit(.minutes(3)), .offCooperativePool)
struct MetricsEndpointTests {
    /// The value of the first sample whose line starts with `prefix` (name and labels).
    func value(_ exposition: String, _ prefix: String) -> Double? {
        exposition.split(separator: "\n").first { $0.hasPrefix(prefix) }
            .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
    }

    @Test func trafficShowsUpInEveryMetricFamily() async throws {
        let stack = try await TestStack()
        let worker = try stack.startWorker(["OKAYFACE_MAX_ATTEMPTS": "3"])
        try await stack.publish(stack.request("m-approved"))
        try await stack.publish(stack.request("m-rejected", sdk: "sdk/liveness-fail.json"))
        try await stack.publish(stack.request("m-flaky", sdk: "sdk/flaky-then-ok.json"))
        try await stack.publish(Array("not json".utf8), key: "m-bad")
        try await stack.waitForDecisions(3)

        var text = ""
        // The lag is measured every 10 s, the backlog after each recovery scan.
        try await stack.waitUntil("lag and backlog in /metrics", timeout: .seconds(30)) {
            let (status, body) = try await worker.get("metrics")
            text = body
            return status == 200 && body.contains("okayface_consumer_lag{") && body.contains("okayface_outbox_backlog ")
        }
        #expect((value(text, "okayface_requests_consumed_total ") ?? 0) >= 4)
        #expect((value(text, #"okayface_decisions_total{decision="approved",reason="none"}"#) ?? 0) >= 2)
        #expect((value(text, #"okayface_decisions_total{decision="rejected",reason="liveness_failed"}"#) ?? 0) >= 1)
        #expect((value(text, #"okayface_dead_letters_total{code="malformed_json"}"#) ?? 0) >= 1)
        #expect((value(text, #"okayface_vendor_call_duration_seconds_count{endpoint="okayface_plus_v1"}"#) ?? 0) >= 4)
        #expect(text.contains(#"okayface_vendor_call_duration_seconds_bucket{endpoint="okayface_plus_v1",le="0.1"}"#))
        #expect((value(text, #"okayface_vendor_call_duration_seconds_count{endpoint="journeyid"}"#) ?? 0) >= 3)
        #expect((value(text, "okayface_vendor_retries_total ") ?? 0) >= 1)
        #expect(text.contains(#"okayface_vendor_call_errors_total{endpoint="okayface_plus_v1",code="#))
        #expect(value(text, "okayface_circuit_state ") != nil)
        #expect(value(text, "okayface_build_info{version=\"\(BuildInfo.version)\"} ") == 1, "\(text)")
        #expect(value(text, "okayface_in_flight_requests ") != nil)
        #expect(value(text, "okayface_in_flight_image_bytes ") != nil)
        #expect(text.contains(#"okayface_consumer_lag{topic="okayface.verification.requests",partition="#))
        #expect(text.contains("# TYPE okayface_decisions_total counter"))
        try await worker.stop()
        await stack.close()
    }
}
