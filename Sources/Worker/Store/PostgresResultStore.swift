import Foundation
import Logging
import Pipeline
import Postgres
import ServiceLifecycle
import Verification

/// `ResultStore` on PostgreSQL with group commit: claims, vendor-run counts and decisions that
/// arrive at about the same time are written by one statement each, so a round trip's cost is
/// shared (docs/architecture.md, "The database"). The statements are built by `DecisionSQL`.
///
/// A decision batch that fails for a reason other than a lost connection is retried one record
/// per statement, so one bad record cannot hold back the others.
public final class PostgresResultStore: ResultStore, Service {
    private struct Claim: Sendable {
        var requestId: String
        var worker: String
    }

    private struct Release: Sendable {
        var requestId: String
        var reachedVendor: Bool
    }

    private let pool: PostgresPool
    private let resultTopic: String
    private let health: DatabaseHealth?
    private let logger: Logger
    private let decisions: BatchWriter<VerificationRecord, SaveOutcome>
    private let claims: BatchWriter<Claim, ClaimOutcome>
    private let releases: BatchWriter<Release, Void>

    /// - Parameters:
    ///   - writers: concurrent decision statements; keep it below the pool size so dedupe
    ///     lookups and the outbox relay still get connections.
    public init(
        pool: PostgresPool, resultTopic: String, writers: Int, maxBatch: Int = 128, health: DatabaseHealth? = nil,
        logger: Logger
    ) {
        self.pool = pool
        self.resultTopic = resultTopic
        self.health = health
        self.logger = logger
        decisions = BatchWriter(maxBatch: maxBatch, loops: writers) { records in
            await Self.writeDecisions(records, topic: resultTopic, pool: pool, health: health, logger: logger)
        }
        // Claims wait on their answer before any work starts, so two loops: one batch in
        // flight while the next gathers.
        claims = BatchWriter(maxBatch: maxBatch, loops: 2) { batch in
            await Self.claim(batch, pool: pool, health: health)
        }
        releases = BatchWriter(maxBatch: maxBatch, loops: 1) { batch in
            let query = DecisionSQL.releaseClaims(
                requestIds: batch.map(\.requestId), notReachingVendor: batch.filter { !$0.reachedVendor }.map(\.requestId))
            return await Self.update(query, for: batch.count, pool: pool, health: health)
        }
    }

    /// The writer loops as a service of the worker's group: on graceful shutdown (after the
    /// consumer, which the group stops first) the store stops taking work and writes what is queued.
    public func run() async {
        await withGracefulShutdownHandler {
            await runWriters()
        } onGracefulShutdown: {
            self.close()
        }
    }

    /// Runs the writer loops (decisions, claims, released claims) until `close()`.
    public func runWriters() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.decisions.run() }
            group.addTask { await self.claims.run() }
            group.addTask { await self.releases.run() }
        }
    }

    /// Stops taking records and claims; batches already queued are still written.
    public func close() {
        decisions.close()
        claims.close()
        releases.close()
    }

    public func claim(requestId: String, worker: String) async throws -> ClaimOutcome {
        try await claims.submit(Claim(requestId: requestId, worker: worker))
    }

    public func releaseClaim(requestId: String, reachedVendor: Bool) async throws {
        try await releases.submit(Release(requestId: requestId, reachedVendor: reachedVendor))
    }

    public func save(_ record: VerificationRecord) async throws -> SaveOutcome {
        if record.redriveOf != nil { return try await saveRedrive(record) }
        return try await decisions.submit(record)
    }

    /// Re-drives (rare) claim and write one request per statement, outside the batches.
    public func claimRedrive(requestId: String, fromRevision: Int, worker: String) async throws -> ClaimOutcome {
        try await Self.observed(pool, health) { connection in
            guard let row = try connection.query(RedriveSQL.claim(requestId: requestId, fromRevision: fromRevision, worker: worker)).first,
                  let runs = row.int("runs"), let vendorRuns = row.int("earlier_vendor_runs")
            else { return .alreadyDecided }
            return .claimed(runs: runs, earlierVendorRuns: vendorRuns)
        }
    }

    private func saveRedrive(_ record: VerificationRecord) async throws -> SaveOutcome {
        let payload = record.result.jsonBytes()
        let topic = resultTopic
        return try await Self.observed(pool, health) { connection in
            let query = RedriveSQL.write(record, topic: topic, payload: String(decoding: payload, as: UTF8.self))
            guard let id = try connection.query(query).first?.int("id") else { return .alreadyDecided }
            return .saved(OutboxEntry(id: Int64(id), requestId: record.result.requestId, topic: topic, payload: payload))
        }
    }

    /// One query, only for requests that turned out decided (redeliveries): rare enough not
    /// to need batching.
    public func storedRequest(requestId: String) async throws -> StoredRequest? {
        try await Self.observed(pool, health) { connection in
            guard let row = try connection.query(DecisionSQL.storedRequest(requestId: requestId)).first else { return nil }
            return StoredRequest(
                images: [
                    .idCard: row.string("image_id_card_uri") ?? "", .best: row.string("image_best_uri") ?? "",
                    .mobileSdkData: row.string("image_mobile_sdk_data_uri") ?? "",
                ],
                subject: row.string("subject"), journeyId: row.string("journey_id"),
                journeyCreated: row.bool("journey_created") ?? false)
        }
    }

    /// Runs a job on the pool, telling `health` how it went.
    private static func observed<T: Sendable>(
        _ pool: PostgresPool, _ health: DatabaseHealth?, _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        do {
            let value = try await pool.withConnection(body)
            health?.observeSuccess()
            return value
        } catch {
            health?.observe(error)
            throw error
        }
    }

    /// One UPDATE for a batch of `count` items; each item gets its result.
    private static func update(
        _ query: PostgresQuery, for count: Int, pool: PostgresPool, health: DatabaseHealth?
    ) async -> [Result<Void, any Error>] {
        do {
            try await observed(pool, health) { _ = try $0.query(query) }
            return Array(repeating: .success(()), count: count)
        } catch {
            return Array(repeating: .failure(error), count: count)
        }
    }

    /// One statement cannot claim the same row twice (ON CONFLICT DO UPDATE refuses), and a
    /// second claim of a request must see the first one's count: repeats go in a later statement.
    private static func claim(
        _ batch: [Claim], pool: PostgresPool, health: DatabaseHealth?
    ) async -> [Result<ClaimOutcome, any Error>] {
        var results = [Result<ClaimOutcome, any Error>?](repeating: nil, count: batch.count)
        var left = Array(batch.indices)
        while !left.isEmpty {
            var seen = Set<String>()
            var now: [Int] = []
            var later: [Int] = []
            for index in left {
                if seen.insert(batch[index].requestId).inserted { now.append(index) } else { later.append(index) }
            }
            let query = DecisionSQL.claim(requestIds: now.map { batch[$0].requestId }, workers: now.map { batch[$0].worker })
            do {
                let claimed = try await observed(pool, health) { connection in
                    var claimed: [String: ClaimOutcome] = [:]
                    for row in try connection.query(query) {
                        guard let id = row.string("request_id"), let runs = row.int("runs"),
                              let vendorRuns = row.int("earlier_vendor_runs")
                        else { throw PostgresError(message: "claim returned an incomplete row") }
                        claimed[id] = .claimed(runs: runs, earlierVendorRuns: vendorRuns)
                    }
                    return claimed
                }
                for index in now { results[index] = .success(claimed[batch[index].requestId] ?? .alreadyDecided) }
            } catch {
                for index in now { results[index] = .failure(error) }
            }
            left = later
        }
        return results.map { $0! }
    }

    /// One statement for the batch; on a failure other than a lost connection, one statement
    /// per record.
    private static func writeDecisions(
        _ records: [VerificationRecord], topic: String, pool: PostgresPool, health: DatabaseHealth?, logger: Logger
    ) async -> [Result<SaveOutcome, any Error>] {
        let insert = DecisionSQL.insert(records, topic: topic)
        do {
            // One statement: atomic without BEGIN/COMMIT round trips.
            let outcomes = try await pool.withConnection { try insert.outcomes($0.query(insert.query)) }
            health?.observeSuccess()
            return outcomes.map { .success($0) }
        } catch let error as PostgresError where error.isConnectionError || records.count == 1 {
            health?.observe(error)
            return records.map { _ in .failure(error) }
        } catch {
            logger.warning("batch write failed, writing its records one by one", metadata: ["error": "\(error)", "batch": "\(records.count)"])
        }
        var results: [Result<SaveOutcome, any Error>] = []
        for record in records {
            let single = DecisionSQL.insert([record], topic: topic)
            do {
                results.append(.success(try await pool.withConnection { try single.outcomes($0.query(single.query))[0] }))
            } catch {
                results.append(.failure(error))
            }
        }
        return results
    }
}
