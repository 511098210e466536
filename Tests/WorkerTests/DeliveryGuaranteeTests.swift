import Pipeline
import Foundation
import Kafka
import Postgres
import Simulator
import TestSupport
import Testing
import Verification
import Worker

/// The promises of the README's "Delivery guarantees", each against real servers.
@Suite(.timeLimit(.minutes(4)), .offCooperativePool)
struct DeliveryGuaranteeTests {
    /// Sum over requests of the vendor runs beyond the first: repeated vendor calls.
    func repeatedVendorRuns(_ stack: TestStack) async throws -> Int {
        try await stack.count("SELECT coalesce(sum(greatest(vendor_runs - 1, 0)), 0) AS count FROM verification_requests")
    }

    @Test func healthEndpoints() async throws {
        let stack = try await TestStack()
        let worker = try stack.startWorker()
        #expect(try await worker.health("livez") == 200)
        try await stack.waitUntil("ready", timeout: .seconds(30)) { try await worker.health("readyz") == 200 }
        try await worker.stop()
        await stack.close()
    }

    @Test func aHangingRequestEndsAtItsDeadlineAndFreesItsKey() async throws {
        let stack = try await TestStack(partitions: 1)
        // Long enough for the request behind it to finish within its own deadline on a loaded machine.
        let worker = try stack.startWorker(["WORKER_REQUEST_DEADLINE_MS": "4000"])
        let hang = try stack.directive(#"{"simulate":{"delayMs":20000}}"#)
        try await stack.publish(stack.request("hangs", sdk: hang), key: "customer-1")
        try await stack.publish(stack.request("behind-it"), key: "customer-1")
        try await stack.waitForDecisions(2, timeout: .seconds(30))
        let hung = try #require(try await stack.decision("hangs"))
        #expect(hung.string("decision") == "error")
        #expect(hung.textArray("reasons") == ["deadline_exceeded"])
        let behind = try await stack.decision("behind-it")
        #expect(behind?.string("decision") == "approved", "\(behind?.string("decision") ?? "none") \(behind?.textArray("reasons") ?? [])")
        // The vendor call that was cut off is still on record.
        #expect(try await stack.count(
            "SELECT count(*) FROM vendor_calls WHERE request_id = 'hangs' AND endpoint = 'okayface_plus_v1'") <= 1)
        try await worker.stop()
        await stack.close()
    }

    @Test func aRequestThatKeepsKillingWorkersEndsAsPoisonWithoutAVendorCall() async throws {
        let stack = try await TestStack()
        // Five earlier runs started on it and never finished (they died).
        _ = try await stack.query("INSERT INTO request_claims (request_id, runs, vendor_runs) VALUES ('poison', 5, 5)")
        let worker = try stack.startWorker(["WORKER_MAX_PROCESSING_RUNS": "5"])
        try await stack.publish(stack.request("poison"))
        try await stack.waitForDecisions(1)
        let row = try #require(try await stack.decision("poison"))
        #expect(row.string("decision") == "error")
        #expect(row.textArray("reasons") == ["processing_failed"])
        #expect(row.int("attempts") == 0)
        #expect(stack.simulator.stats().okayFaceCalls == 0)
        let request = try #require(try await stack.query(
            "SELECT processing_runs, vendor_runs FROM verification_requests WHERE request_id = 'poison'").first)
        #expect(request.int("processing_runs") == 6)
        #expect(request.int("vendor_runs") == 5)
        #expect(try await stack.count("SELECT count(*) FROM request_claims") == 0)
        try await worker.stop()
        await stack.close()
    }

    @Test func aRepeatedVendorCallIsCounted() async throws {
        let stack = try await TestStack()
        // An earlier run reached the vendor and died before writing its decision.
        _ = try await stack.query("INSERT INTO request_claims (request_id, runs, vendor_runs) VALUES ('again', 1, 1)")
        let worker = try stack.startWorker()
        try await stack.publish(stack.request("again"))
        try await stack.publish(stack.request("first-time"))
        try await stack.waitForDecisions(2)
        let rows = try await stack.query(
            "SELECT request_id, processing_runs, vendor_runs FROM verification_requests ORDER BY request_id")
        #expect(rows.map { [$0.string("request_id"), $0.string("processing_runs"), $0.string("vendor_runs")] } == [
            ["again", "2", "2"], ["first-time", "1", "1"],
        ])
        #expect(try await repeatedVendorRuns(stack) == 1)
        try await worker.stop()
        await stack.close()
    }

    @Test func theCircuitBreakerStopsHammeringAFailingVendorAndRecovers() async throws {
        var failing = SimulatorConfiguration()
        failing.transientErrorRate = 1
        let stack = try await TestStack(simulator: failing)
        let worker = try stack.startWorker([
            "OKAYFACE_CIRCUIT_FAILURES": "3", "OKAYFACE_CIRCUIT_OPEN_MS": "400", "OKAYFACE_CIRCUIT_MAX_OPEN_MS": "800",
            "OKAYFACE_MAX_ATTEMPTS": "20", "OKAYFACE_RETRY_BASE_MS": "10", "OKAYFACE_RETRY_MAX_MS": "20",
        ])
        for i in 0..<6 { try await stack.publish(stack.request("outage-\(i)")) }
        try await Task.sleep(for: .seconds(4))
        // Without a breaker 6 requests × 20 attempts at ~20 ms would have made ~120 calls by now;
        // with it: a few failures to open it, then about one probe per open period.
        let duringOutage = stack.simulator.stats().okayFaceCalls
        #expect(duringOutage <= 20, "\(duringOutage) calls during the outage")
        #expect(try await stack.count("SELECT count(*) FROM verification_results") == 0)

        stack.simulator.update { $0.transientErrorRate = 0 }
        try await stack.waitForDecisions(6, timeout: .seconds(30))
        #expect(try await stack.count("SELECT count(*) FROM verification_results WHERE decision = 'approved'") == 6)
        try await worker.stop()
        await stack.close()
    }

    @Test func attemptsRunningOutEndAsVendorUnavailable() async throws {
        var failing = SimulatorConfiguration()
        failing.transientErrorRate = 1
        let stack = try await TestStack(simulator: failing)
        // Only a request older than WORKER_MAX_REQUEST_AGE_MS gives up; a younger one opens
        // the circuit and tries again after it (whole rounds of 3 attempts).
        let worker = try stack.startWorker([
            "OKAYFACE_MAX_ATTEMPTS": "3", "OKAYFACE_CIRCUIT_FAILURES": "1000", "WORKER_MAX_REQUEST_AGE_MS": "1000",
        ])
        try await stack.publish(stack.request("never"))
        try await stack.waitForDecisions(1)
        let row = try #require(try await stack.decision("never"))
        #expect(row.textArray("reasons") == ["vendor_unavailable"])
        let attempts = try #require(row.int("attempts"))
        #expect(attempts >= 3 && attempts % 3 == 0, "\(attempts)")
        try await worker.stop()
        await stack.close()
    }

    @Test func aReplicaJoiningAndLeavingMidLoadLosesAndRepeatsNothing() async throws {
        let stack = try await TestStack(partitions: 8)
        let slow = try stack.directive(#"{"simulate":{"delayMs":40}}"#)
        let total = 160
        for i in 0..<total { try await stack.publish(stack.request(String(format: "rb-%03d", i), sdk: slow), key: "c-\(i % 40)") }
        let first = try stack.startWorker(["WORKER_MAX_IN_FLIGHT": "8"])
        try await stack.waitUntil("some progress") { try await stack.count("SELECT count(*) FROM verification_results") >= 20 }
        let second = try stack.startWorker(["WORKER_MAX_IN_FLIGHT": "8"])
        try await stack.waitUntil("more progress") { try await stack.count("SELECT count(*) FROM verification_results") >= 80 }
        try await first.stop()  // leaves the group: its partitions move to the second
        try await stack.waitForDecisions(total, timeout: .seconds(90))

        #expect(try await stack.count("SELECT count(*) FROM verification_results") == total)
        #expect(try await stack.count("SELECT count(*) FROM outbox") == total)
        #expect(try await repeatedVendorRuns(stack) == 0)
        #expect(stack.simulator.stats().okayFaceCalls == total)
        // Results are at least once: the second replica's start-up scan may re-publish rows the
        // first one was still marking sent.
        #expect(try await stack.resultKeys(expected: total).count == total)
        try await second.stop()
        await stack.close()
    }

    @Test func kafkaDownForAWhileDelaysResultsButLosesNothing() async throws {
        let stack = try await TestStack()
        let worker = try stack.startWorker()
        for i in 0..<20 { try await stack.publish(stack.request("kd-\(i)")) }
        try await stack.waitUntil("a first decision") { try await stack.count("SELECT count(*) FROM verification_results") >= 1 }
        for broker in 1...3 { stack.kafka.setBrokerDown(Int32(broker)) }
        try await Task.sleep(for: .seconds(4))
        for broker in 1...3 { stack.kafka.setBrokerUp(Int32(broker)) }
        for i in 20..<30 { try await stack.publish(stack.request("kd-\(i)")) }
        try await stack.waitForDecisions(30, timeout: .seconds(90))
        #expect(try await stack.resultKeys(expected: 30).count == 30)
        #expect(try await stack.count("SELECT count(*) FROM outbox") == 30)
        try await worker.stop()
        await stack.close()
    }

    @Test func postgresDownPausesReportsNotReadyAndResumes() async throws {
        let postgres = try await PrivatePostgres.start()
        let stack = try await TestStack(databaseServer: postgres.url)
        let worker = try stack.startWorker()
        for i in 0..<10 { try await stack.publish(stack.request("pg-\(i)")) }
        try await stack.waitForDecisions(10)
        try await stack.waitUntil("ready", timeout: .seconds(30)) { try await worker.health("readyz") == 200 }

        try await postgres.stop()
        for i in 10..<30 { try await stack.publish(stack.request("pg-\(i)")) }
        try await stack.waitUntil("not ready while PostgreSQL is down", timeout: .seconds(30)) {
            try await worker.health("readyz") == 503
        }
        #expect(try await worker.health("livez") == 200)
        try await postgres.start()

        try await stack.waitForDecisions(30, timeout: .seconds(90))
        try await stack.waitUntil("ready again", timeout: .seconds(30)) { try await worker.health("readyz") == 200 }
        #expect(try await stack.count("SELECT count(*) FROM verification_results") == 30)
        #expect(try await stack.count("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0)
        try await worker.stop()
        await stack.close()
        await postgres.destroy()
    }
}
