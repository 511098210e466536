import Foundation
import Logging
import OkayFace
import Payload

/// The part of a request's processing that the deadline bounds: load the images, create the
/// journey when absent, call OkayFace Plus with retries through the circuit breaker and the
/// rate limit, decide.
/// What it does is recorded in the `RunLog` as it happens.
struct RunWork: Sendable {
    let pipeline: VerificationPipeline
    let request: VerificationRequested
    /// When the worker received the request: its age counts from `requestedAt`, else from here.
    let receivedAt: Date
    let log: RunLog
    let earlierVendorRuns: Int
    let logger: Logger

    private var configuration: PipelineConfiguration { pipeline.configuration }
    private var breaker: CircuitBreaker { pipeline.breaker }
    private var access: VendorAccess { pipeline.access }

    /// Past `WORKER_MAX_REQUEST_AGE_MS`: transient failures may end it after all.
    private var isTooOld: Bool {
        Date().timeIntervalSince(request.requestedAt ?? receivedAt) > Double(configuration.maxRequestAge.components.seconds)
    }

    /// What to do after a vendor call that did not give an answer to decide on.
    private enum AfterFailure {
        case retry
        case giveUp
        case cancelled
    }

    /// An answer refused for our own account or configuration: note it, then wait until the
    /// probe sees the vendor accept us again. The request is not decided and spends no attempt.
    private func hold(_ reason: String, _ logger: Logger) async -> AfterFailure {
        access.refuse(reason)
        logger.error(
            "the vendor refuses our account or configuration; holding the request until it accepts us again",
            metadata: ["code": "\(reason)"])
        do { try await access.waitWhileRefused() } catch { return .cancelled }
        return .retry
    }

    /// After a transient failure: back off; once the attempts are spent, give up when other
    /// calls got answers meanwhile (the failure is this request's) or the request is too old;
    /// otherwise the vendor looks down: open the circuit (no deadline runs while it is open,
    /// and the vendor probe closes it as soon as the vendor answers) and start a new round.
    /// `roundStart` is the breaker's success count when the round began.
    private func afterTransientFailure(attempt: inout Int, roundStart: inout UInt64) async -> AfterFailure {
        let policy = configuration.vendorRetry
        if attempt >= policy.maxAttempts {
            if isTooOld || breaker.successCount > roundStart { return .giveUp }
            breaker.forceOpen()
            attempt = 0
            roundStart = breaker.successCount
            return .retry
        }
        do { try await Task.sleep(for: policy.delay(afterAttempt: attempt)) } catch { return .cancelled }
        return .retry
    }

    /// The verdict; an `error` verdict when the inputs or the vendor made a decision impossible.
    @Sendable func decide() async -> DecisionPolicy.Verdict {
        // Images first: a request that cannot be sent should not spend a journey.
        let loaded: OkayFacePlusRequest
        switch await loadImages() {
        case .failure(let reasons): return Self.error(reasons)
        case .success(let images): loaded = images
        }
        // Held (in memory or as open files) until the vendor calls end.
        let heldBytes = Double(loaded.imageIdCard.byteCount + loaded.imageBest.byteCount + loaded.mobileSdkData.byteCount)
        pipeline.metrics.inFlightImageBytes.increment(by: heldBytes)
        defer { pipeline.metrics.inFlightImageBytes.decrement(by: heldBytes) }

        var journeyId = request.journeyId
        if journeyId == nil {
            switch await createJourney() {
            case .created(let id): journeyId = id
            case .failed(let reason): return Self.error([reason])
            case .cancelled: return Self.error([Reason.deadlineExceeded])
            }
        }
        var call = loaded
        call.journeyId = journeyId ?? ""
        return await verify(call)
    }

    private static func error(_ reasons: [String]) -> DecisionPolicy.Verdict {
        .init(decision: .error, reasons: reasons, scores: .none)
    }

    private func verify(_ call: OkayFacePlusRequest) async -> DecisionPolicy.Verdict {
        var logger = self.logger
        if let journeyId = log.snapshot.journeyId { logger[metadataKey: "journeyId"] = "\(journeyId)" }
        // `attempt` counts this round's transient failures against OKAYFACE_MAX_ATTEMPTS;
        // `calls` every call made, which is what the decision's `attempts` reports.
        var attempt = 0
        var calls = 0
        var roundStart = breaker.successCount
        while true {
            guard let permit = await callPermit() else { return Self.error([Reason.deadlineExceeded]) }
            attempt += 1
            calls += 1
            if calls == 1 { await noteVendorRun(logger) }
            // Timed from here: waits on the breaker and the rate limit are not vendor time.
            let started = Date()
            let clock = ContinuousClock.now
            let outcome = await pipeline.vendor.verify(call)
            let record = VerificationPipeline.record(
                outcome, attempt: calls, startedAt: started, elapsed: ContinuousClock.now - clock)
            let transient = record.outcome != .success && record.outcome != .vendorError
            if Task.isCancelled, transient {
                // Our own cancellation (deadline, shutdown), not the vendor's failure.
                breaker.release(permit)
            } else {
                breaker.record(permit, transientFailure: transient)
            }
            note(record)

            if case .answered(let response) = outcome {
                log.update {
                    $0.vendorSummary = .init(status: response.status, messageCode: response.messageCode, httpStatus: response.httpStatus)
                }
                if OkayFaceErrorClass.isAccountFailure(httpStatus: response.httpStatus, code: response.errorCode) {
                    switch await hold(response.errorCode ?? "HTTP_\(response.httpStatus)", logger) {
                    case .retry:
                        attempt = 0
                        roundStart = breaker.successCount
                        continue
                    case .giveUp, .cancelled: return Self.error([Reason.deadlineExceeded])
                    }
                }
                if !transient {
                    access.accept()
                    return configuration.policy.decide(response)
                }
            }
            if Task.isCancelled { return Self.error([Reason.deadlineExceeded]) }
            logger.warning(
                "transient vendor failure",
                metadata: ["attempt": "\(attempt)", "outcome": "\(record.outcome.rawValue)", "code": "\(record.errorCode ?? "")"])
            switch await afterTransientFailure(attempt: &attempt, roundStart: &roundStart) {
            case .retry: continue
            case .giveUp: return Self.error([Reason.vendorUnavailable])
            case .cancelled: return Self.error([Reason.deadlineExceeded])
            }
        }
    }

    /// Waits until a vendor call may go out: the circuit breaker first, so a call it holds back
    /// spends no token, then a turn under the rate limit. A permit that went stale in the
    /// meantime (the circuit opened) is asked for again; that token is lost, which only slows
    /// calls down. Waiting spends no attempt. Nil when the task is cancelled (deadline, shutdown).
    private func callPermit() async -> CircuitBreaker.Permit? {
        while true {
            guard let permit = try? await breaker.acquire() else { return nil }
            guard let limiter = pipeline.rateLimiter else { return permit }
            do {
                try await limiter.acquire()
            } catch {
                breaker.release(permit)
                return nil
            }
            if breaker.isCurrent(permit) { return permit }
        }
    }

    /// Counts this run as one that reached the vendor, and a repeated call when an earlier
    /// run got there too. Best effort: a lost count must not hold up the request.
    private func noteVendorRun(_ logger: Logger) async {
        log.update { $0.reachedVendor = true }
        if earlierVendorRuns > 0 {
            pipeline.metricsDuplicateVendorCall()
            logger.warning("repeating a vendor call an earlier run made", metadata: ["earlierVendorRuns": "\(earlierVendorRuns)"])
        }
        do {
            try await pipeline.store.recordVendorRun(requestId: request.requestId)
        } catch {
            logger.warning("could not record the vendor run", metadata: ["error": "\(error)"])
        }
    }

    /// Keeps a vendor call for the request's rows and counts it in the metrics.
    private func note(_ call: VendorCallRecord) {
        log.update { $0.calls.append(call) }
        pipeline.metrics.vendorCall(call)
    }

    private enum JourneyResult {
        case created(String)
        case failed(String)
        case cancelled
    }

    private func createJourney() async -> JourneyResult {
        var attempt = 0
        var calls = 0
        var roundStart = breaker.successCount
        while true {
            guard let permit = await callPermit() else { return .cancelled }
            attempt += 1
            calls += 1
            let started = Date()
            let clock = ContinuousClock.now
            let failure: OkayFaceJourneyError
            do {
                let id = try await pipeline.vendor.createJourney()
                breaker.record(permit, transientFailure: false)
                access.accept()
                log.update {
                    $0.journeyId = id
                    $0.journeyCreated = true
                }
                note(VendorCallRecord(
                    endpoint: .createJourney, attempt: calls, startedAt: started,
                    durationMs: VerificationPipeline.milliseconds(ContinuousClock.now - clock), httpStatus: 200,
                    outcome: .success, errorCode: nil))
                return .created(id)
            } catch {
                failure = error
            }
            if Task.isCancelled && failure.isTransient { breaker.release(permit) } else {
                breaker.record(permit, transientFailure: failure.isTransient)
            }
            let (status, code, outcome): (Int?, String, VendorCallRecord.Outcome) =
                switch failure {
                case .vendor(let code, let status): (status, code, failure.isTransient ? .transientError : .vendorError)
                case .transport(let message, let timedOut): (nil, message, timedOut ? .timeout : .transportError)
                }
            note(VendorCallRecord(
                endpoint: .createJourney, attempt: calls, startedAt: started,
                durationMs: VerificationPipeline.milliseconds(ContinuousClock.now - clock), httpStatus: status,
                outcome: outcome, errorCode: code))
            if Task.isCancelled { return .cancelled }
            if case .vendor(let code, let status) = failure, OkayFaceErrorClass.isAccountFailure(httpStatus: status, code: code) {
                switch await hold("\(code) from journeyid", logger) {
                case .retry: attempt = 0; continue
                case .giveUp, .cancelled: return .cancelled
                }
            }
            guard failure.isTransient else {
                logger.error("journey creation refused", metadata: ["code": "\(code)"])
                return .failed(DecisionPolicy.reason(forVendorCode: code))
            }
            logger.warning("transient journey creation failure", metadata: ["attempt": "\(attempt)", "code": "\(code)"])
            switch await afterTransientFailure(attempt: &attempt, roundStart: &roundStart) {
            case .retry: continue
            case .giveUp: return .failed(Reason.vendorUnavailable)
            case .cancelled: return .cancelled
            }
        }
    }

    private enum LoadedImages {
        case success(OkayFacePlusRequest)
        case failure([String])
    }

    private func loadImages() async -> LoadedImages {
        let limits = ImageLimits(
            maxImageBytes: configuration.maxImageBytes,
            requestBudget: ByteBudget(bytes: configuration.maxRequestBytes - PipelineConfiguration.multipartOverheadBytes))
        async let idCard = load(.idCard, limits)
        async let best = load(.best, limits)
        async let sdk = load(.mobileSdkData, limits)
        let results: [(ImageRole, Result<ImagePayload, ImageLoadFailure>)] = [
            (.idCard, await idCard), (.best, await best), (.mobileSdkData, await sdk),
        ]

        var reasons: [String] = []
        var tooLarge = false
        for (role, result) in results {
            let failure: ImageLoadFailure
            switch result {
            case .success(let payload):
                guard let problem = ImageInspection.problem(payload, role: role, expectedSHA256: request.imageSHA256[role])
                else { continue }
                failure = .invalid(problem)
            case .failure(let error):
                failure = error
            }
            logger.warning("image not usable", metadata: ["image": "\(role.rawValue)", "problem": "\(failure)"])
            switch failure {
            case .forbidden: reasons.append(Reason.imageForbidden(role))
            case .unavailable: reasons.append(Reason.imageUnavailable(role))
            case .invalid, .tooLarge: reasons.append(Reason.imageInvalid(role))
            case .requestTooLarge: tooLarge = true
            }
        }
        if tooLarge { reasons.append(Reason.requestTooLarge) }
        if !reasons.isEmpty { return .failure(reasons) }

        let images = results.compactMap { try? $0.1.get() }
        return .success(OkayFacePlusRequest(journeyId: "", imageIdCard: images[0], imageBest: images[1], mobileSdkData: images[2]))
    }

    private func load(_ role: ImageRole, _ limits: ImageLimits) async -> Result<ImagePayload, ImageLoadFailure> {
        do { return .success(try await pipeline.images.load(request.uri(role), limits: limits)) } catch { return .failure(error) }
    }
}
