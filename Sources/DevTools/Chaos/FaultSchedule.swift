import Kafka
import Synchronization

/// The faults of a run, tied to its progress (the share of valid requests decided) rather than to
/// the clock, so they land while work remains however fast the machine is: `kills` SIGKILLs of a
/// random worker, each followed by a replacement after a short random pause; one PostgreSQL
/// restart; one broker outage. Each fault waits a further random moment once its threshold passes.
struct FaultSchedule: Sendable {
    var killsAt: [Double]
    var postgresRestartAt: Double
    var brokerDownAt: Double
    var broker: Int32
    var brokerDowntime: Duration

    static func plan(_ c: ChaosConfiguration, random: ChaosRandom) -> FaultSchedule {
        FaultSchedule(
            killsAt: (0..<c.kills).map { _ in random.double(in: 0.03...0.9) }.sorted(),
            postgresRestartAt: random.double(in: 0.3...0.6),
            brokerDownAt: random.double(in: 0.15...0.75),
            broker: Int32(random.int(in: 1...max(1, c.brokers))),
            brokerDowntime: random.milliseconds(in: c.brokerDowntimeMs))
    }

    /// What the faults have done so far, for the report (also when the run ends early).
    struct Outcome: Sendable {
        var kills = 0
        var postgresRestarts = 0
        var brokerOutages = 0
        var postgresDown = false
        var brokerDown = false
    }

    /// The things the faults act on.
    struct Targets: Sendable {
        var fleet: WorkerFleet
        var cluster: KafkaMockCluster
        var postgres: PostgresControl
        var progress: @Sendable () -> Double
        var timeline: ChaosTimeline
        var random: ChaosRandom
        var tally: FaultTally
        var configuration: ChaosConfiguration
    }

    /// Runs the three fault lines side by side; returns when all are done.
    func run(on t: Targets) async throws {
        async let kills: Void = killLine(t)
        async let restart: Void = postgresLine(t)
        async let outage: Void = brokerLine(t)
        _ = try await (kills, restart, outage)
    }

    private func killLine(_ t: Targets) async throws {
        for threshold in killsAt {
            try await Self.wait(for: threshold, t)
            try await Task.sleep(for: t.random.milliseconds(in: t.configuration.killGapMs))
            let running = await t.fleet.runningCount
            guard running > 0 else {
                t.timeline.record("no worker running to kill")
                continue
            }
            let done = t.tally.withLock { $0.kills }
            t.timeline.record(String(format: "kill %d/%d at %.0f%% decided", done + 1, killsAt.count, t.progress() * 100))
            if await t.fleet.kill(index: t.random.int(in: 0...(running - 1))) != nil {
                t.tally.withLock { $0.kills += 1 }
            }
            try await Task.sleep(for: t.random.milliseconds(in: t.configuration.replacementPauseMs))
            try await t.fleet.start()
        }
    }

    private func postgresLine(_ t: Targets) async throws {
        try await Self.wait(for: postgresRestartAt, t)
        try await Task.sleep(for: t.random.milliseconds(in: 0...1_000))
        t.timeline.record(String(format: "PostgreSQL stopping at %.0f%% decided", t.progress() * 100))
        t.tally.withLock { $0.postgresDown = true }
        try await t.postgres.stop()
        t.timeline.record("PostgreSQL down for \(t.configuration.postgresDowntime)")
        try await Task.sleep(for: t.configuration.postgresDowntime)
        try await t.postgres.start()
        t.tally.withLock { $0.postgresDown = false; $0.postgresRestarts += 1 }
        t.timeline.record("PostgreSQL up again")
    }

    private func brokerLine(_ t: Targets) async throws {
        try await Self.wait(for: brokerDownAt, t)
        try await Task.sleep(for: t.random.milliseconds(in: 0...1_000))
        t.timeline.record("broker \(broker) down for \(brokerDowntime) at " + String(format: "%.0f%% decided", t.progress() * 100))
        t.tally.withLock { $0.brokerDown = true }
        t.cluster.setBrokerDown(broker)
        try await Task.sleep(for: brokerDowntime)
        t.cluster.setBrokerUp(broker)
        t.tally.withLock { $0.brokerDown = false; $0.brokerOutages += 1 }
        t.timeline.record("broker \(broker) up again")
    }

    private static func wait(for threshold: Double, _ t: Targets) async throws {
        while t.progress() < threshold { try await Task.sleep(for: .milliseconds(100)) }
    }
}

/// The shared, growing ``FaultSchedule/Outcome`` of a run.
final class FaultTally: Sendable {
    private let state = Mutex(FaultSchedule.Outcome())

    func withLock<T>(_ body: (inout FaultSchedule.Outcome) -> T) -> T { state.withLock { body(&$0) } }

    var current: FaultSchedule.Outcome { state.withLock { $0 } }
}
