import Foundation
import Synchronization

/// Everything a running simulator remembers and decides under its lock: configuration,
/// journeys, stats, the quota bucket, the fault generator and the `failFirst` counters.
struct SimulatorState: Sendable {
    /// An infrastructure-level fault decided for one call before the request is looked at.
    enum Fault: Sendable, Equatable {
        /// Over the quota; `retryAfter` whole seconds until it admits a call again.
        case quotaExceeded(retryAfter: Int)
        case transient(status: Int)
    }

    private(set) var configuration: SimulatorConfiguration
    var stats = SimulatorStats()
    private var journeys: [String: ContinuousClock.Instant] = [:]
    private var failuresServed: [String: Int] = [:]
    private var random: SplitMix64
    private var quota: TokenBucket?

    init(configuration: SimulatorConfiguration) {
        self.configuration = configuration
        random = SplitMix64(seed: configuration.randomSeed)
        quota = configuration.maxRequestsPerSecond.map { TokenBucket(rate: $0, now: .now) }
    }

    /// Applies a configuration change made while running.
    mutating func update(_ change: (inout SimulatorConfiguration) -> Void) {
        let before = configuration
        change(&configuration)
        // A new quota starts with a full bucket; an unchanged one keeps its tokens.
        if configuration.maxRequestsPerSecond != before.maxRequestsPerSecond {
            quota = configuration.maxRequestsPerSecond.map { TokenBucket(rate: $0, now: .now) }
        }
        if configuration.randomSeed != before.randomSeed {
            random = SplitMix64(seed: configuration.randomSeed)
        }
    }

    /// Remembers a new journey and returns its id (a lower-case UUID v4, as the vendor's).
    mutating func createJourney(now: ContinuousClock.Instant) -> String {
        let id = UUID().uuidString.lowercased()
        journeys[id] = now
        stats.journeysCreated += 1
        return id
    }

    /// Whether `id` names a journey younger than the configured lifetime. Expired journeys are
    /// forgotten, as the vendor purges them.
    mutating func isLiveJourney(_ id: String, now: ContinuousClock.Instant) -> Bool {
        guard let created = journeys[id] else { return false }
        guard now - created <= configuration.journeyLifetime else {
            journeys[id] = nil
            return false
        }
        return true
    }

    /// The configured latency for one call (fixed part plus uniform jitter) and the fault, if
    /// any, that the quota or the transient error rate imposes on it.
    mutating func admitCall(now: ContinuousClock.Instant) -> (delay: Duration, fault: Fault?) {
        var delay = configuration.latency
        if configuration.latencyJitter > .zero {
            delay += configuration.latencyJitter * Double.random(in: 0...1, using: &random)
        }
        if var bucket = quota {
            let admitted = bucket.take(now: now)
            quota = bucket
            if !admitted { return (delay, .quotaExceeded(retryAfter: bucket.retryAfter())) }
        }
        if configuration.transientErrorRate > 0, Double.random(in: 0..<1, using: &random) < configuration.transientErrorRate {
            return (delay, .transient(status: Bool.random(using: &random) ? 500 : 503))
        }
        return (delay, nil)
    }

    /// Counts a `failFirst` call for `key`; true while fewer than `count` failures were served for it.
    mutating func shouldFail(key: String, count: Int) -> Bool {
        let served = failuresServed[key, default: 0]
        guard served < count else { return false }
        failuresServed[key] = served + 1
        return true
    }

    /// Counts one answered OkayFace Plus call, under the second (Unix time) it arrived in.
    mutating func recordCall(journeyId: String?, status: Int, quotaRefused: Bool = false, arrivedIn second: Int? = nil) {
        stats.okayFaceCalls += 1
        if quotaRefused { stats.quotaRefusals += 1 }
        if let second { stats.okayFaceCallsPerSecond[second, default: 0] += 1 }
        if status == 200 {
            stats.okayFaceSuccesses += 1
        } else {
            stats.okayFaceErrors += 1
        }
        if let journeyId {
            stats.callsPerJourney[journeyId, default: 0] += 1
        }
    }
}

/// The lock-protected ``SimulatorState`` shared by the simulator and its routes. A class of its
/// own, so that the routes (owned by the server task) do not keep the simulator alive.
final class SimulatorStore: Sendable {
    private let state: Mutex<SimulatorState>

    init(configuration: SimulatorConfiguration) {
        state = Mutex(SimulatorState(configuration: configuration))
    }

    /// Runs `body` with exclusive access to the state; keep it short, it blocks other requests.
    func withState<Result: Sendable>(_ body: (inout SimulatorState) throws -> Result) rethrows -> Result {
        try state.withLock { try body(&$0) }
    }

    var configuration: SimulatorConfiguration {
        withState { $0.configuration }
    }
}
