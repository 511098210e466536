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
    let log: RunLog
    let earlierVendorRuns: Int
    let logger: Logger

    private var configuration: PipelineConfiguration { pipeline.configuration }
    private var breaker: CircuitBreaker { pipeline.breaker }

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
        let policy = configuration.vendorRetry
        var attempt = 0
        while attempt < policy.maxAttempts {
            guard let permit = await callPermit() else { return Self.error([Reason.deadlineExceeded]) }
            attempt += 1
            if attempt == 1 { await noteVendorRun(logger) }
            // Timed from here: waits on the breaker and the rate limit are not vendor time.
            let started = Date()
            let clock = ContinuousClock.now
            let outcome = await pipeline.vendor.verify(call)
            let record = VerificationPipeline.record(
                outcome, attempt: attempt, startedAt: started, elapsed: ContinuousClock.now - clock)
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
                if !transient { return configuration.policy.decide(response) }
            }
            if Task.isCancelled { return Self.error([Reason.deadlineExceeded]) }
            logger.warning(
                "transient vendor failure",
                metadata: ["attempt": "\(attempt)", "outcome": "\(record.outcome.rawValue)", "code": "\(record.errorCode ?? "")"])
            if attempt == policy.maxAttempts { break }
            do { try await Task.sleep(for: policy.delay(afterAttempt: attempt)) } catch {
                return Self.error([Reason.deadlineExceeded])
            }
        }
        return Self.error([Reason.vendorUnavailable])
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
        let policy = configuration.vendorRetry
        var attempt = 0
        while attempt < policy.maxAttempts {
            guard let permit = await callPermit() else { return .cancelled }
            attempt += 1
            let started = Date()
            let clock = ContinuousClock.now
            let failure: OkayFaceJourneyError
            do {
                let id = try await pipeline.vendor.createJourney()
                breaker.record(permit, transientFailure: false)
                log.update {
                    $0.journeyId = id
                    $0.journeyCreated = true
                }
                note(VendorCallRecord(
                    endpoint: .createJourney, attempt: attempt, startedAt: started,
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
                endpoint: .createJourney, attempt: attempt, startedAt: started,
                durationMs: VerificationPipeline.milliseconds(ContinuousClock.now - clock), httpStatus: status,
                outcome: outcome, errorCode: code))
            if Task.isCancelled { return .cancelled }
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
