import Foundation

/// Where the machine's CPU went during a run (Linux /proc): all cores busy time, the bench
/// process itself (mock brokers, simulator, publisher, result reader), PostgreSQL's processes
/// and the worker, so a report can say what limits throughput when the cores are saturated.
struct MachineCPU: Sendable {
    /// Busy (non-idle, non-iowait) CPU seconds of all cores since boot.
    var busySeconds: Double
    /// CPU seconds of this process since it started.
    var benchSeconds: Double
    /// CPU seconds of the running processes named `postgres` since they started. Backends
    /// that exit during the run take their time with them; the worker's pool and the bench's
    /// connections live through it.
    var postgresSeconds: Double

    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// A reading now; nil where /proc cannot be read.
    static func now() -> MachineCPU? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") })
        else { return nil }
        // cpu user nice system idle iowait irq softirq steal …
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count >= 5 else { return nil }
        let busy = fields.enumerated().filter { $0.offset != 3 && $0.offset != 4 && $0.offset < 8 }.map(\.element).reduce(0, +)
        return MachineCPU(
            busySeconds: busy / ticksPerSecond, benchSeconds: processSeconds(getpid()) ?? 0,
            postgresSeconds: postgresProcesses().compactMap(processSeconds).reduce(0, +))
    }

    static func processSeconds(_ pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let ticks = ProcessSampler.cpuTicks(stat: stat)
        else { return nil }
        return ticks / ticksPerSecond
    }

    static func postgresProcesses() -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { Int32($0) }.filter { pid in
            (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.hasPrefix("postgres") == true
        }
    }
}
