import Foundation
import Kafka
import Logging
import Postgres
import Simulator

/// Checks a drained run from PostgreSQL and the topics against what was sent: every valid
/// request has one row in each table and a result event, every invalid one is in the DLQ.
struct ChaosVerifier: Sendable {
    var database: ScratchDatabase
    var brokers: String
    var configuration: ChaosConfiguration
    var logger: Logger

    func verify(_ workload: ChaosWorkload, simulator: SimulatorStats, into report: inout ChaosReport) async throws {
        let valid = workload.validIds
        let validSet = Set(valid)
        report.validSent = valid.count
        report.invalidSent = workload.invalid.count

        // PostgreSQL.
        let ids = try await database.query("SELECT request_id FROM verification_results").compactMap { $0.string("request_id") }
        let decided = Set(ids)
        report.rows = ids.count
        report.withoutRow = valid.filter { !decided.contains($0) }
        report.unexpectedRows = decided.subtracting(validSet).sorted()
        report.requestRows = try await count("SELECT count(*) FROM verification_requests")
        report.outboxRows = try await count("SELECT count(*) FROM outbox")
        report.unsentOutbox = try await count("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        for table in ["verification_results", "verification_requests", "outbox"] {
            let rows = try await database.query(PostgresQuery(
                unsafeSQL: "SELECT request_id FROM \(table) GROUP BY request_id HAVING count(*) > 1"))
            let doubled = rows.compactMap { $0.string("request_id") }
            if !doubled.isEmpty { report.doubled[table] = doubled }
        }
        for row in try await database.query("SELECT decision, count(*) AS count FROM verification_results GROUP BY decision") {
            report.decisions[row.string("decision") ?? "?"] = row.int("count") ?? 0
        }
        for row in try await database.query("""
            SELECT array_to_string(reasons, ',') AS reasons, count(*) AS count
            FROM verification_results WHERE decision = 'error' GROUP BY 1
            """) {
            report.errorReasons[row.string("reasons") ?? "?"] = row.int("count") ?? 0
        }
        report.duplicateVendorRuns = try await count(
            "SELECT coalesce(sum(greatest(vendor_runs - 1, 0)), 0) AS count FROM verification_requests")

        // The simulator's view: one journey per processing run that reached the vendor.
        report.journeysCreated = simulator.journeysCreated
        report.vendorCalls = simulator.okayFaceCalls
        report.vendorFailures = simulator.okayFaceErrors
        report.simulatorDuplicateRuns = simulator.journeysCreated - valid.count

        // The results topic, to its high watermarks.
        let results = try await TopicReader.read(
            brokers: brokers, topic: configuration.resultTopic, timeout: .seconds(180), logger: logger)
        let published = results.compactMap(Self.requestId)
        report.resultEvents = results.count
        report.distinctResultIds = Set(published).count
        let publishedSet = Set(published)
        report.withoutResultEvent = valid.filter { !publishedSet.contains($0) }

        // The DLQ: each invalid event copied byte for byte.
        let letters = try await TopicReader.read(
            brokers: brokers, topic: configuration.dlqTopic, timeout: .seconds(60), logger: logger)
        report.dlqEntries = letters.count
        let lettered = Set(letters.map(\.value))
        report.invalidNotInDLQ = workload.invalid.filter { !lettered.contains($0.value) }.map(\.requestId)
    }

    /// Whether every invalid event is in the DLQ yet (part of "drained").
    func deadLettersComplete(_ workload: ChaosWorkload) async -> Bool {
        let invalid = workload.invalid
        guard !invalid.isEmpty else { return true }
        guard let letters = try? await TopicReader.read(
            brokers: brokers, topic: configuration.dlqTopic, timeout: .seconds(20), logger: logger)
        else { return false }
        let lettered = Set(letters.map(\.value))
        return invalid.allSatisfy { lettered.contains($0.value) }
    }

    private func count(_ q: PostgresQuery) async throws -> Int {
        try await database.query(q).first?.int("count") ?? 0
    }

    private static func requestId(_ message: KafkaMessage) -> String? {
        if let object = try? JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any],
           let id = object["requestId"] as? String {
            return id
        }
        return message.key.map { String(decoding: $0, as: UTF8.self) }
    }
}
