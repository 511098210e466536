import Foundation
import Synchronization

/// Samples one process's CPU time and memory from /proc every `interval` (Linux only):
/// utime + stime of /proc/<pid>/stat, VmRSS and VmHWM of /proc/<pid>/status.
final class ProcessSampler: Sendable {
    struct Sample: Sendable {
        var at: ContinuousClock.Instant
        /// User + system CPU time since the process started.
        var cpuSeconds: Double
        var rssBytes: Int
        /// The kernel's peak resident set size so far.
        var peakRSSBytes: Int
    }

    let pid: Int32
    private let samples = Mutex<[Sample]>([])
    private let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    init(pid: Int32) { self.pid = pid }

    /// Samples until cancelled or until the process is gone.
    func run(every interval: Duration = .milliseconds(100)) async {
        while !Task.isCancelled, let sample = sample() {
            samples.withLock { $0.append(sample) }
            try? await Task.sleep(for: interval)
        }
    }

    /// One sample taken now, or nil when the process is gone.
    func sample() -> Sample? {
        let now = ContinuousClock.now
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let cpu = Self.cpuTicks(stat: stat)
        else { return nil }
        return Sample(
            at: now, cpuSeconds: cpu / ticksPerSecond,
            rssBytes: Self.kilobytes("VmRSS:", in: status) * 1024, peakRSSBytes: Self.kilobytes("VmHWM:", in: status) * 1024)
    }

    var all: [Sample] { samples.withLock { $0 } }

    /// utime + stime, fields 14 and 15 of /proc/<pid>/stat. Counted after the command name's
    /// closing parenthesis, since the name itself may hold spaces.
    static func cpuTicks(stat: String) -> Double? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        guard fields.count > 12, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        return utime + stime
    }

    /// The value of a `Name:   123 kB` line of /proc/<pid>/status, in kB (0 when absent).
    static func kilobytes(_ name: String, in status: String) -> Int {
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            return Int(line.dropFirst(name.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? 0
        }
        return 0
    }
}
