import Verification
import Foundation
import Logging
import OkayFace

/// One verification request from raw message to durable decision: decode and validate,
/// dedupe and claim, then (bounded by the request deadline, in `RunWork`) load images, create
/// the journey when absent, call OkayFace Plus with retries through the circuit breaker and
/// the rate limit, and decide; finally write everything in one transaction (docs/architecture.md, "One request's way").
///
/// It never throws: invalid input ends in the dead-letter topic, vendor and image problems
/// end as an `error` decision, a request that keeps killing workers ends as poison, and
/// infrastructure failures (PostgreSQL, Kafka) are retried until they succeed or the task is
/// cancelled, which yields `.abandoned`.
public struct VerificationPipeline: Sendable {
    public var vendor: any OkayFaceAPI
    public var images: any ImageSource
    public var store: any ResultStore
    public var deadLetters: any DeadLetterSink
    public var publisher: any ResultPublisher
    public var breaker: CircuitBreaker
    /// Whether the vendor accepts our account, and whether calls are held back (which stops
    /// request deadlines).
    public let access: VendorAccess
    /// Every vendor call waits here for its turn; nil when there is no limit.
    public var rateLimiter: RateLimiter<ContinuousClock>?
    /// The fleet's shared budget of OkayFace Plus calls; nil without `OKAYFACE_FLEET_MAX_RPS`.
    public var budget: (any VendorBudget)?
    /// Watches every request's deadline; its ``RequestDeadlines/watch()`` must run.
    public let deadlines: RequestDeadlines
    public var configuration: PipelineConfiguration
    public var logger: Logger
    let metrics = PipelineMetrics()

    public init(
        vendor: any OkayFaceAPI, images: any ImageSource, store: any ResultStore, deadLetters: any DeadLetterSink,
        publisher: any ResultPublisher, breaker: CircuitBreaker = CircuitBreaker(), access: VendorAccess = VendorAccess(),
        rateLimiter: RateLimiter<ContinuousClock>? = nil, budget: (any VendorBudget)? = nil, configuration: PipelineConfiguration,
        logger: Logger
    ) {
        self.budget = budget
        self.access = access
        self.deadlines = RequestDeadlines(access: access)
        self.vendor = vendor
        self.images = images
        self.store = store
        self.deadLetters = deadLetters
        self.publisher = publisher
        self.breaker = breaker
        self.rateLimiter = rateLimiter
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs one message to its outcome.
    ///
    /// - Parameter turn: the request's turn at the vendor, taken after its images are loaded.
    /// - Parameter decided: called once the request's work is over (claim, images, vendor
    ///   calls, decision) and only its write remains, so the caller can give its place to the
    ///   next request instead of holding it through the group commit. Not called on paths that
    ///   return earlier; the caller releases the place when `process` returns anyway.
    public func process(
        _ message: IncomingMessage, turn: VendorTurn = .unlimited, decided: @Sendable () -> Void = {}
    ) async -> PipelineOutcome {
        var logger = self.logger
        logger[metadataKey: "partition"] = "\(message.partition)"
        logger[metadataKey: "offset"] = "\(message.offset)"

        metrics.requestsConsumed.increment()
        metrics.inFlightRequests.increment()
        defer { metrics.inFlightRequests.decrement() }

        let request: VerificationRequested
        do {
            request = try RequestDecoder.decode(message.value)
        } catch {
            logger.warning("invalid request, dead-lettering", metadata: ["error.code": "\(error.code.rawValue)", "error.message": "\(error.message)"])
            metrics.deadLettered(code: error.code.rawValue)
            let sent: Void? = await untilDone(logger, "dead-letter") { try await deadLetters.deadLetter(message, error: error) }
            return sent != nil ? .deadLettered(error) : .abandoned
        }
        logger[metadataKey: "requestId"] = "\(request.requestId)"
        if let journeyId = request.journeyId { logger[metadataKey: "journeyId"] = "\(journeyId)" }

        let worker = configuration.workerId
        let redriveOf = message.redriveOf
        if let redriveOf { logger[metadataKey: "redriveOf"] = "\(redriveOf)" }
        guard let claim = await untilDone(logger, "claim", {
            if let redriveOf { return try await store.claimRedrive(requestId: request.requestId, fromRevision: redriveOf, worker: worker) }
            return try await store.claim(requestId: request.requestId, worker: worker)
        })
        else { return .abandoned }
        guard case .claimed(let runs, let earlierVendorRuns) = claim else {
            if redriveOf != nil {
                logger.info("re-drive no longer applies: the decision has moved on since, skipping")
                metrics.redrivesSkipped.increment()
                return .duplicate(requestId: request.requestId)
            }
            return await alreadyDecided(request, message, logger)
        }

        let log = RunLog(journeyId: request.journeyId)
        var verdict: DecisionPolicy.Verdict
        if runs > configuration.maxProcessingRuns {
            // Earlier workers started on it and never finished: it kills or hangs them.
            logger.error("poison request: too many runs without a decision", metadata: ["runs": "\(runs)"])
            metrics.poisonRequests.increment()
            verdict = .init(decision: .error, reasons: [.processingFailed], scores: .none)
        } else {
            if runs > 1 { logger.notice("request restarted after an earlier run", metadata: ["runs": "\(runs)"]) }
            let work = RunWork(
                pipeline: self, request: request, receivedAt: message.receivedAt, log: log, earlierVendorRuns: earlierVendorRuns,
                turn: turn, logger: logger)
            switch await Self.withDeadline(configuration.requestDeadline, deadlines: deadlines, work.decide) {
            case .finished(let v):
                verdict = v
            case .timedOut:
                if Task.isCancelled || log.snapshot.withdrawn { return await abandon(request, log, logger) }
                logger.error("request deadline exceeded", metadata: ["deadline": "\(configuration.requestDeadline)"])
                metrics.deadlineExceeded.increment()
                verdict = .init(decision: .error, reasons: [.deadlineExceeded], scores: .none)
            }
        }
        let done = log.snapshot
        if done.withdrawn { logger.info("stopping or handed over before its vendor turn: left to the next run") }
        if Task.isCancelled || done.withdrawn { return await abandon(request, log, logger) }

        if let journeyId = done.journeyId { logger[metadataKey: "journeyId"] = "\(journeyId)" }
        let result = VerificationCompleted(
            requestId: request.requestId, journeyId: done.journeyId, subject: request.subject,
            decision: verdict.decision, reasons: verdict.reasons, scores: verdict.scores,
            thresholds: configuration.policy.thresholds, vendor: done.vendorSummary,
            attempts: done.calls.filter { $0.endpoint == .okayFacePlus }.count, processedAt: Date(),
            revision: (redriveOf ?? 0) + 1, policy: configuration.policy.reference, checks: verdict.checks, nextAction: verdict.nextAction)
        var stored = request
        stored.journeyId = done.journeyId
        let record = VerificationRecord(
            request: stored, journeyCreated: done.journeyCreated, source: message.coordinates, result: result,
            vendorCalls: done.calls, processingRuns: runs, vendorRuns: earlierVendorRuns + (done.reachedVendor ? 1 : 0),
            policy: configuration.policy, redriveOf: redriveOf)

        decided()
        guard let saved = await untilDone(logger, "save", { try await store.save(record) }) else {
            return await abandon(request, log, logger)
        }
        switch saved {
        case .saved(let entry):
            publisher.publishCommitted([entry])
            metrics.decided(result.decision, reasons: result.reasons)
            if redriveOf != nil { metrics.redrivesDecided.increment() }
            logger.info(
                "decided",
                metadata: ["decision": "\(result.decision.rawValue)", "reasons": "\(result.reasons.map(\.word).joined(separator: ","))",
                           "attempts": "\(result.attempts)"])
        case .alreadyDecided:
            if redriveOf != nil { metrics.redrivesSkipped.increment() }
            logger.info("another worker decided this request first")
        }
        return .decided(requestId: request.requestId, result.decision)
    }

    /// A redelivery is skipped; an event that reuses a decided request's id for other content
    /// is dead-lettered as `conflicting_duplicate`, and the decision stays as it is.
    private func alreadyDecided(_ request: VerificationRequested, _ message: IncomingMessage, _ logger: Logger) async -> PipelineOutcome {
        guard let stored = await untilDone(logger, "stored request", { try await store.storedRequest(requestId: request.requestId) })
        else { return .abandoned }
        let differences = stored?.differences(from: request) ?? []
        guard !differences.isEmpty else {
            logger.info("request already decided, skipping")
            return .duplicate(requestId: request.requestId)
        }
        let error = InvalidRequest(
            .conflictingDuplicate,
            "requestId already has a decision for a request with other \(differences.joined(separator: ", ")); the decision stands")
        logger.info(
            "conflicting duplicate of a decided request, dead-lettering",
            metadata: ["error.code": "\(error.code.rawValue)", "fields": "\(differences.joined(separator: ","))"])
        metrics.deadLettered(code: error.code.rawValue)
        let sent: Void? = await untilDone(logger, "dead-letter") { try await deadLetters.deadLetter(message, error: error) }
        return sent != nil ? .deadLettered(error) : .abandoned
    }

    /// A claimed request left undecided on purpose (shutdown, a revoked partition): its run is
    /// taken back, so restarts and rebalances while it waits (a vendor outage, a wrong password
    /// being fixed) never make it poison, and so is its count as a vendor run when it never
    /// called the vendor. Best effort, one try: when the database is down too, the run stays
    /// counted, as a crash's would.
    private func abandon(_ request: VerificationRequested, _ log: RunLog, _ logger: Logger) async -> PipelineOutcome {
        do {
            try await store.releaseClaim(requestId: request.requestId, reachedVendor: log.snapshot.reachedVendor)
        } catch {
            logger.warning("could not take back the run of an abandoned request", metadata: ["error": "\(error)"])
        }
        return .abandoned
    }

    func metricsDuplicateVendorCall() { metrics.duplicateVendorCalls.increment() }

    private enum DeadlineResult<T: Sendable>: Sendable {
        case finished(T)
        case timedOut
    }

    /// Runs `body` and cancels it when `deadline` passes first (``RequestDeadlines``: time
    /// while vendor calls are held back does not count).
    ///
    /// `body` runs as its own task so that the watch can cancel it; cancelling the caller
    /// cancels it too, and the caller always waits for it to end.
    private static func withDeadline<T: Sendable>(
        _ deadline: Duration, deadlines: RequestDeadlines, _ body: @escaping @Sendable () async -> T
    ) async -> DeadlineResult<T> {
        let work = Task { await body() }
        let ticket = deadlines.register(deadline: deadline) { work.cancel() }
        let value = await withTaskCancellationHandler {
            await work.value
        } onCancel: {
            work.cancel()
        }
        deadlines.remove(ticket)
        // Once expired, the body was cancelled and its answer cannot be trusted.
        return ticket.isExpired ? .timedOut : .finished(value)
    }

    /// Retries an infrastructure step (PostgreSQL, Kafka) with backoff until it succeeds;
    /// nil only when the task is cancelled (shutdown), so nothing is ever given up silently.
    func untilDone<T>(_ logger: Logger, _ step: String, _ body: () async throws -> T) async -> T? {
        var attempt = 0
        while !Task.isCancelled {
            attempt += 1
            do {
                return try await body()
            } catch {
                // Every in-flight request retries on its own: one line each at the first failure
                // and every tenth, not a flood while a database outage lasts (/readyz says it).
                let level: Logger.Level = attempt == 1 || attempt % 10 == 0 ? .error : .debug
                logger.log(level: level, "\(step) failed, will retry", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                do { try await Task.sleep(for: configuration.infrastructureRetry.delay(afterAttempt: attempt)) } catch {
                    return nil
                }
            }
        }
        return nil
    }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
