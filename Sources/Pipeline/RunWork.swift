import Verification
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
    /// Taken once the images are loaded, for the journey and the OkayFace Plus calls.
    let turn: VendorTurn
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

        switch await turn.begin() {
        case .granted: break
        case .withdrawn:
            log.update { $0.withdrawn = true }
            return Self.error([.deadlineExceeded])  // not used: the run is abandoned
        case .cancelled: return Self.error([.deadlineExceeded])
        }
        defer { turn.end() }

        var call = loaded
        if let journeyId = request.journeyId {
            call.journeyId = journeyId
        } else {
            switch await callVendor(.createJourney, logger, { await pipeline.vendor.createJourney() }) {
            case .final(.success(let id, _)):
                log.update {
                    $0.journeyId = id
                    $0.journeyCreated = true
                }
                call.journeyId = id
            case .final(let refusal):
                guard case .refused(let code, _, _) = refusal else { return Self.error([.vendorUnavailable]) }
                logger.error("journey creation refused", metadata: ["code": "\(code)"])
                return Self.error([DecisionPolicy.reason(forVendorCode: code)])
            case .gaveUp: return Self.error([.vendorUnavailable])
            case .cancelled: return Self.error([.deadlineExceeded])
            }
        }

        var logger = self.logger
        logger[metadataKey: "journeyId"] = "\(call.journeyId)"
        let verified = await callVendor(.okayFacePlus, logger) { [call] in
            let outcome = await pipeline.vendor.verify(call)
            if let response = outcome.answer {
                log.update {
                    $0.vendorSummary = .init(status: response.status, messageCode: response.messageCode, httpStatus: response.httpStatus)
                }
            }
            return outcome
        }
        switch verified {
        case .final(let outcome):
            guard let response = outcome.answer else { return Self.error([.vendorUnavailable]) }
            return configuration.policy.decide(CheckReadings(response))
        case .gaveUp: return Self.error([.vendorUnavailable])
        case .cancelled: return Self.error([.deadlineExceeded])
        }
    }

    private static func error(_ reasons: [Reason]) -> DecisionPolicy.Verdict {
        .init(decision: .error, reasons: reasons, scores: .none)
    }

    /// How a vendor-call loop ended.
    private enum CallEnd<Answer: Sendable> {
        /// An answer to act on: a success, or a refusal that is final for the request.
        case final(OkayFaceCallOutcome<Answer>)
        /// Transient failures outlasted the attempts while other calls got answers (or the
        /// request is too old).
        case gaveUp
        /// The deadline or shutdown cancelled the work.
        case cancelled
    }

    /// The one loop every vendor call goes through, whichever endpoint: a permit from the
    /// circuit breaker and the rate limit, the call (timed, recorded, counted), then hold on
    /// an account failure, finish on an answer, or back off and try again on a transient one.
    private func callVendor<Answer: Sendable>(
        _ endpoint: VendorCallRecord.Endpoint, _ logger: Logger, _ call: () async -> OkayFaceCallOutcome<Answer>
    ) async -> CallEnd<Answer> {
        // `attempt` counts this round's transient failures against OKAYFACE_MAX_ATTEMPTS;
        // `calls` every call made, which is what the decision's `attempts` reports.
        var attempt = 0
        var calls = 0
        var roundStart = breaker.successCount
        var throttles = 0
        while true {
            guard let (permit, grant) = await callPermit(endpoint) else { return .cancelled }
            attempt += 1
            calls += 1
            if endpoint == .okayFacePlus && calls == 1 { noteVendorRun(logger) }
            // Timed from here: waits on the breaker and the rate limit are not vendor time.
            let started = Date()
            let clock = ContinuousClock.now
            let outcome = await call()
            let record = VendorCallRecord(
                endpoint: endpoint, attempt: calls, startedAt: started,
                durationMs: VerificationPipeline.milliseconds(ContinuousClock.now - clock), outcome: outcome)
            if outcome.isThrottled {
                // The quota's answer: the vendor is up and says slow down. The fleet's budget
                // drops its rate; the call is tried again after `Retry-After` without spending
                // an attempt, so a quota lower than the budget costs time, not decisions.
                breaker.release(permit)
                note(record)
                if let grant, case .throttled(_, _, let retryAfter) = outcome { pipeline.budget?.throttled(grant, retryAfter: retryAfter) }
                throttles += 1
                attempt -= 1
                if Task.isCancelled { return .cancelled }
                let wait: Duration
                if case .throttled(_, _, let retryAfter?) = outcome {
                    wait = min(retryAfter, configuration.maxThrottleWait)
                } else {
                    wait = configuration.vendorRetry.delay(afterAttempt: min(throttles, 10))
                }
                logger.info(
                    "vendor quota answer, trying again",
                    metadata: ["endpoint": "\(endpoint.rawValue)", "code": "\(record.errorCode ?? "")", "wait": "\(wait)"])
                do { try await Task.sleep(for: wait) } catch { return .cancelled }
                continue
            }
            if Task.isCancelled, outcome.isTransient {
                // Our own cancellation (deadline, shutdown), not the vendor's failure.
                breaker.release(permit)
            } else {
                breaker.record(permit, transientFailure: outcome.isTransient)
            }
            note(record)

            if outcome.isAccountFailure {
                let code = record.errorCode ?? "?"
                switch await hold(endpoint == .createJourney ? "\(code) from journeyid" : code, logger) {
                case .retry:
                    attempt = 0
                    roundStart = breaker.successCount
                    continue
                case .giveUp, .cancelled: return .cancelled
                }
            }
            if !outcome.isTransient {
                access.accept()
                return .final(outcome)
            }
            if Task.isCancelled { return .cancelled }
            logger.warning(
                "transient vendor failure",
                metadata: [
                    "endpoint": "\(endpoint.rawValue)", "attempt": "\(attempt)", "outcome": "\(record.outcome.rawValue)",
                    "code": "\(record.errorCode ?? "")",
                ])
            switch await afterTransientFailure(attempt: &attempt, roundStart: &roundStart) {
            case .retry: continue
            case .giveUp: return .gaveUp
            case .cancelled: return .cancelled
            }
        }
    }

    /// Waits until a vendor call may go out: the circuit breaker first, so a call it holds back
    /// spends no token, then a turn under the replica's rate limit, then (OkayFace Plus calls,
    /// the ones the vendor's quota counts) a grant of the fleet's budget. A permit that went
    /// stale in the meantime (the circuit opened) is asked for again; that token is lost, which
    /// only slows calls down. Waiting spends no attempt. Nil when the task is cancelled
    /// (deadline, shutdown).
    private func callPermit(_ endpoint: VendorCallRecord.Endpoint) async -> (CircuitBreaker.Permit, VendorBudgetGrant?)? {
        while true {
            guard let permit = try? await breaker.acquire() else { return nil }
            var grant: VendorBudgetGrant?
            do {
                try await pipeline.rateLimiter?.acquire()
                if endpoint == .okayFacePlus, let budget = pipeline.budget { grant = try await budget.acquire() }
            } catch {
                breaker.release(permit)
                return nil
            }
            if breaker.isCurrent(permit) { return (permit, grant) }
        }
    }

    /// Marks this run as one that reached the vendor, and counts a repeated call when an
    /// earlier run may have got there too. The store counted the run as a vendor run when it
    /// was claimed (`ResultStore.claim`), so nothing waits on the database here.
    private func noteVendorRun(_ logger: Logger) {
        log.update { $0.reachedVendor = true }
        if earlierVendorRuns > 0 {
            pipeline.metricsDuplicateVendorCall()
            logger.warning("repeating a vendor call an earlier run may have made", metadata: ["earlierVendorRuns": "\(earlierVendorRuns)"])
        }
    }

    /// Keeps a vendor call for the request's rows and counts it in the metrics.
    private func note(_ call: VendorCallRecord) {
        log.update { $0.calls.append(call) }
        pipeline.metrics.vendorCall(call)
    }

    private enum LoadedImages {
        case success(OkayFacePlusRequest)
        case failure([Reason])
    }

    private func loadImages() async -> LoadedImages {
        let limits = ImageLimits(
            maxImageBytes: configuration.maxImageBytes,
            requestBudget: ByteBudget(bytes: configuration.maxRequestBytes - PipelineConfiguration.multipartOverheadBytes))
        let roles: [ImageRole] = [.idCard, .best, .mobileSdkData]
        let results: [(ImageRole, Result<ImagePayload, ImageLoadFailure>)]
        if roles.allSatisfy({ pipeline.images.readsAtOnce(request.uri($0)) }) {
            // Local files: three child tasks cost more than the three opens (docs/benchmarks.md).
            var loaded: [(ImageRole, Result<ImagePayload, ImageLoadFailure>)] = []
            loaded.reserveCapacity(roles.count)
            for role in roles { loaded.append((role, await load(role, limits))) }
            results = loaded
        } else {
            async let idCard = load(.idCard, limits)
            async let best = load(.best, limits)
            async let sdk = load(.mobileSdkData, limits)
            results = [(.idCard, await idCard), (.best, await best), (.mobileSdkData, await sdk)]
        }

        var reasons: [Reason] = []
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
            case .forbidden: reasons.append(.imageForbidden(role))
            case .unavailable: reasons.append(.imageUnavailable(role))
            case .invalid, .tooLarge: reasons.append(.imageInvalid(role))
            case .requestTooLarge: tooLarge = true
            }
        }
        if tooLarge { reasons.append(.requestTooLarge) }
        if !reasons.isEmpty { return .failure(reasons) }

        let images = results.compactMap { try? $0.1.get() }
        return .success(OkayFacePlusRequest(journeyId: "", imageIdCard: images[0], imageBest: images[1], mobileSdkData: images[2]))
    }

    private func load(_ role: ImageRole, _ limits: ImageLimits) async -> Result<ImagePayload, ImageLoadFailure> {
        do { return .success(try await pipeline.images.load(request.uri(role), limits: limits)) } catch { return .failure(error) }
    }
}
