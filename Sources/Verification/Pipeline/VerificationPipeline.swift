import Foundation
import Logging
import OkayFace

/// One verification request from raw message to durable decision: decode and validate,
/// dedupe, load images, create the journey when absent, call OkayFace Plus with retries,
/// decide, and write everything in one transaction (design.md §1).
///
/// It never throws: invalid input ends in the dead-letter topic, vendor and image problems
/// end as an `error` decision, and infrastructure failures (PostgreSQL, Kafka) are retried
/// until they succeed or the task is cancelled, which yields `.abandoned`.
public struct VerificationPipeline: Sendable {
    public var vendor: any OkayFaceAPI
    public var images: any ImageSource
    public var store: any ResultStore
    public var deadLetters: any DeadLetterSink
    public var publisher: any ResultPublisher
    public var configuration: PipelineConfiguration
    public var logger: Logger

    public init(
        vendor: any OkayFaceAPI, images: any ImageSource, store: any ResultStore, deadLetters: any DeadLetterSink,
        publisher: any ResultPublisher, configuration: PipelineConfiguration, logger: Logger
    ) {
        self.vendor = vendor
        self.images = images
        self.store = store
        self.deadLetters = deadLetters
        self.publisher = publisher
        self.configuration = configuration
        self.logger = logger
    }

    public func process(_ message: IncomingMessage) async -> PipelineOutcome {
        var logger = self.logger
        logger[metadataKey: "partition"] = "\(message.partition)"
        logger[metadataKey: "offset"] = "\(message.offset)"

        let request: VerificationRequested
        do {
            request = try RequestDecoder.decode(message.value)
        } catch {
            logger.warning("invalid request, dead-lettering", metadata: ["error.code": "\(error.code.rawValue)", "error.message": "\(error.message)"])
            let sent: Void? = await untilDone(logger, "dead-letter") { try await deadLetters.deadLetter(message, error: error) }
            return sent != nil ? .deadLettered(error) : .abandoned
        }
        logger[metadataKey: "requestId"] = "\(request.requestId)"
        if let journeyId = request.journeyId { logger[metadataKey: "journeyId"] = "\(journeyId)" }

        guard let known = await untilDone(logger, "dedupe", { try await store.hasDecision(requestId: request.requestId) }) else {
            return .abandoned
        }
        if known {
            logger.info("request already decided, skipping")
            return .duplicate(requestId: request.requestId)
        }

        var run = Run(request: request)
        await decide(&run, logger: &logger)
        if Task.isCancelled { return .abandoned }

        let result = VerificationCompleted(
            requestId: request.requestId, journeyId: run.journeyId, subject: request.subject,
            decision: run.verdict.decision, reasons: run.verdict.reasons, scores: run.verdict.scores,
            thresholds: configuration.policy.thresholds, vendor: run.vendorSummary,
            attempts: run.calls.filter { $0.endpoint == .okayFacePlus }.count, processedAt: Date())
        var stored = request
        stored.journeyId = run.journeyId
        let record = VerificationRecord(
            request: stored, journeyCreated: run.journeyCreated, source: message.coordinates, result: result,
            vendorCalls: run.calls)

        guard let saved = await untilDone(logger, "save", { try await store.save(record) }) else { return .abandoned }
        switch saved {
        case .saved(let entry):
            publisher.publishCommitted([entry])
            logger.info(
                "decided",
                metadata: ["decision": "\(result.decision.rawValue)", "reasons": "\(result.reasons.joined(separator: ","))",
                           "attempts": "\(result.attempts)"])
        case .alreadyDecided:
            logger.info("another worker decided this request first")
        }
        return .decided(requestId: request.requestId, result.decision)
    }

    /// What one request accumulates on its way to a decision.
    private struct Run {
        var request: VerificationRequested
        var journeyId: String?
        var journeyCreated = false
        var calls: [VendorCallRecord] = []
        var verdict = DecisionPolicy.Verdict(decision: .error, reasons: [], scores: .none)
        var vendorSummary = VerificationCompleted.VendorSummary(status: nil, messageCode: nil, httpStatus: nil)

        init(request: VerificationRequested) {
            self.request = request
            self.journeyId = request.journeyId
        }

        mutating func fail(_ reasons: [String]) {
            verdict = DecisionPolicy.Verdict(decision: .error, reasons: reasons, scores: .none)
        }
    }

    private func decide(_ run: inout Run, logger: inout Logger) async {
        // Images first: a request that cannot be sent should not spend a journey.
        let loaded: OkayFacePlusRequest
        switch await loadImages(run.request) {
        case .failure(let reasons):
            run.fail(reasons)
            return
        case .success(let images):
            loaded = images
        }

        if run.journeyId == nil {
            switch await createJourney(&run.calls, logger: logger) {
            case .created(let id):
                run.journeyId = id
                run.journeyCreated = true
                logger[metadataKey: "journeyId"] = "\(id)"
            case .failed(let reason):
                run.fail([reason])
                return
            case .cancelled:
                return
            }
        }

        var request = loaded
        request.journeyId = run.journeyId ?? ""
        let policy = configuration.vendorRetry
        for attempt in 1...policy.maxAttempts {
            let started = Date()
            let clock = ContinuousClock.now
            let outcome = await vendor.verify(request)
            let elapsed = ContinuousClock.now - clock
            let call = Self.record(outcome, attempt: attempt, startedAt: started, elapsed: elapsed)
            run.calls.append(call)

            if case .answered(let response) = outcome {
                run.vendorSummary = .init(status: response.status, messageCode: response.messageCode, httpStatus: response.httpStatus)
                if call.outcome != .transientError {
                    run.verdict = configuration.policy.decide(response)
                    return
                }
            }
            logger.warning(
                "transient vendor failure",
                metadata: ["attempt": "\(attempt)", "outcome": "\(call.outcome.rawValue)", "code": "\(call.errorCode ?? "")"])
            if attempt == policy.maxAttempts { break }
            do { try await Task.sleep(for: policy.delay(afterAttempt: attempt)) } catch { return }
        }
        run.fail([Reason.vendorUnavailable])
    }

    private enum JourneyResult {
        case created(String)
        case failed(String)
        case cancelled
    }

    private func createJourney(_ calls: inout [VendorCallRecord], logger: Logger) async -> JourneyResult {
        let policy = configuration.vendorRetry
        for attempt in 1...policy.maxAttempts {
            let started = Date()
            let clock = ContinuousClock.now
            let failure: OkayFaceJourneyError
            do {
                let id = try await vendor.createJourney()
                calls.append(VendorCallRecord(
                    endpoint: .createJourney, attempt: attempt, startedAt: started,
                    durationMs: Self.milliseconds(ContinuousClock.now - clock), httpStatus: 200, outcome: .success,
                    errorCode: nil))
                return .created(id)
            } catch {
                failure = error
            }
            let (status, code, outcome): (Int?, String, VendorCallRecord.Outcome) =
                switch failure {
                case .vendor(let code, let status): (status, code, failure.isTransient ? .transientError : .vendorError)
                case .transport(let message, let timedOut): (nil, message, timedOut ? .timeout : .transportError)
                }
            calls.append(VendorCallRecord(
                endpoint: .createJourney, attempt: attempt, startedAt: started,
                durationMs: Self.milliseconds(ContinuousClock.now - clock), httpStatus: status, outcome: outcome,
                errorCode: code))
            guard failure.isTransient else {
                logger.error("journey creation refused", metadata: ["code": "\(code)"])
                return .failed(DecisionPolicy.reason(forVendorCode: code))
            }
            logger.warning("transient journey creation failure", metadata: ["attempt": "\(attempt)", "code": "\(code)"])
            if attempt == policy.maxAttempts { break }
            do { try await Task.sleep(for: policy.delay(afterAttempt: attempt)) } catch { return .cancelled }
        }
        return .failed(Reason.vendorUnavailable)
    }

    private enum LoadedImages {
        case success(OkayFacePlusRequest)
        case failure([String])
    }

    private func loadImages(_ request: VerificationRequested) async -> LoadedImages {
        let budget = configuration.maxRequestBytes - PipelineConfiguration.multipartOverheadBytes
        async let idCard = load(request.uri(.idCard), budget)
        async let best = load(request.uri(.best), budget)
        async let sdk = load(request.uri(.mobileSdkData), budget)
        let results: [(ImageRole, Result<[UInt8], ImageLoadFailure>)] = [
            (.idCard, await idCard), (.best, await best), (.mobileSdkData, await sdk),
        ]

        var reasons: [String] = []
        var tooLarge = false
        for (role, result) in results {
            guard case .failure(let failure) = result else { continue }
            switch failure {
            case .forbidden: reasons.append(Reason.imageForbidden(role))
            case .unavailable: reasons.append(Reason.imageUnavailable(role))
            case .invalid: reasons.append(Reason.imageInvalid(role))
            case .tooLarge: tooLarge = true
            }
        }
        if tooLarge { reasons.append(Reason.requestTooLarge) }
        if !reasons.isEmpty { return .failure(reasons) }

        let bytes = results.map { (try? $0.1.get()) ?? [] }
        if bytes.reduce(0, { $0 + $1.count }) > budget { return .failure([Reason.requestTooLarge]) }
        return .success(OkayFacePlusRequest(journeyId: "", imageIdCard: bytes[0], imageBest: bytes[1], mobileSdkData: bytes[2]))
    }

    private func load(_ uri: String, _ maxBytes: Int) async -> Result<[UInt8], ImageLoadFailure> {
        do { return .success(try await images.load(uri, maxBytes: maxBytes)) } catch { return .failure(error) }
    }

    /// Retries an infrastructure step (PostgreSQL, Kafka) with backoff until it succeeds;
    /// nil only when the task is cancelled (shutdown), so nothing is ever given up silently.
    private func untilDone<T>(_ logger: Logger, _ step: String, _ body: () async throws -> T) async -> T? {
        var attempt = 0
        while !Task.isCancelled {
            attempt += 1
            do {
                return try await body()
            } catch {
                logger.error("\(step) failed, will retry", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                do { try await Task.sleep(for: configuration.infrastructureRetry.delay(afterAttempt: attempt)) } catch {
                    return nil
                }
            }
        }
        return nil
    }

    static func record(_ outcome: OkayFaceCallOutcome, attempt: Int, startedAt: Date, elapsed: Duration) -> VendorCallRecord {
        let ms = milliseconds(elapsed)
        switch outcome {
        case .answered(let response):
            let code = response.errorCode
            let kind: VendorCallRecord.Outcome =
                code == nil ? .success
                : OkayFaceErrorClass.isTransient(httpStatus: response.httpStatus, code: code) ? .transientError : .vendorError
            return VendorCallRecord(
                endpoint: .okayFacePlus, attempt: attempt, startedAt: startedAt, durationMs: ms,
                httpStatus: response.httpStatus, outcome: kind, errorCode: code)
        case .transportFailed(let message, let timedOut):
            return VendorCallRecord(
                endpoint: .okayFacePlus, attempt: attempt, startedAt: startedAt, durationMs: ms, httpStatus: nil,
                outcome: timedOut ? .timeout : .transportError, errorCode: message)
        }
    }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
