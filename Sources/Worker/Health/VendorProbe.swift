import Pipeline
import Logging
import OkayFace
import ServiceLifecycle
import Verification

/// Asks the vendor whether it accepts our account: once at start-up (so `/readyz` knows within
/// seconds, idle or busy), and again with backoff while it refuses us. The probe is a Create
/// JourneyID call, the one vendor call that checks the credentials; it costs one journey per
/// start and per probe while refused.
public struct VendorProbe: Service {
    public var vendor: any OkayFaceAPI
    public var access: VendorAccess
    /// Closed by a probe that got an answer: a request that keeps failing by itself must not
    /// keep the circuit (and every other request) waiting.
    public var breaker: CircuitBreaker?
    public var logger: Logger
    /// Backoff between probes while refused or held: doubles from `minimumInterval` up to
    /// `maximumInterval`. Capped at 10 s: the probe is how the worker notices the vendor's
    /// return (a refused or failed call creates no journey, so probing costs the account nothing
    /// until the vendor answers), and an outage must not outlast itself by a minute.
    public var minimumInterval: Duration
    public var maximumInterval: Duration

    public init(
        vendor: any OkayFaceAPI, access: VendorAccess, breaker: CircuitBreaker? = nil, logger: Logger,
        minimumInterval: Duration = .seconds(1), maximumInterval: Duration = .seconds(10)
    ) {
        self.vendor = vendor
        self.access = access
        self.breaker = breaker
        self.logger = logger
        self.minimumInterval = minimumInterval
        self.maximumInterval = maximumInterval
    }

    /// One probe; what it found is in `access`.
    public func probeOnce() async {
        let outcome = await vendor.createJourney()
        switch outcome {
        case .success:
            access.accept()
            breaker?.noteVendorAnswered()
        case .refused(let code, _, _) where outcome.isAccountFailure:
            access.refuse("\(code) from journeyid")
        case .refused(_, let status, _) where !OkayFaceErrorClass.isTransient(httpStatus: status, code: nil):
            // Any answer given on purpose shows the vendor is up.
            breaker?.noteVendorAnswered()
        case .refused(let code, _, _):
            // The vendor is down or slow: that says nothing about our account.
            logger.warning("vendor credentials probe got no answer", metadata: ["error": "\(code)"])
        case .throttled:
            // The quota's answer is on purpose: the vendor is up (our account says nothing yet).
            breaker?.noteVendorAnswered()
        case .transportFailed(let message, _):
            access.noteNoAnswer(message)
            logger.warning("vendor credentials probe got no answer", metadata: ["error": "\(message)"])
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var interval = minimumInterval
            // The backoff starts over only once calls went out freely for a while: a circuit
            // this probe closes and the requests open again at once is still an outage, and
            // the probe must not turn it into a burst of failing calls every second.
            var freeSince = ContinuousClock.now
            while !Task.isCancelled {
                if access.isRefused || breaker?.isHoldingCalls == true {
                    do { try await Task.sleep(for: interval) } catch { return }
                    await probeOnce()
                    interval = min(interval * 2, maximumInterval)
                    freeSince = .now
                } else {
                    if ContinuousClock.now - freeSince > .seconds(10) { interval = minimumInterval }
                    do { try await Task.sleep(for: .milliseconds(500)) } catch { return }
                }
            }
        }
    }
}
