import Blocking
import Foundation

/// `bench.png`: latency over time, throughput, and the worker's CPU and memory, drawn by
/// gnuplot from `timeline.csv`.
enum BenchChart {
    struct Missing: Error, CustomStringConvertible {
        var description: String { "gnuplot not found (apt-get install gnuplot-nox): no chart" }
    }

    struct Failed: Error, CustomStringConvertible {
        var status: Int32
        var log: String
        var description: String { "gnuplot failed with status \(status); see \(log)" }
    }

    /// Renders `png` from `timeline` (a timeline.csv); the script is kept beside it as `bench.gp`.
    static func render(timeline: String, seconds: Int, png: String, title: String) async throws {
        guard let gnuplot = executable("gnuplot") else { throw Missing() }
        let folder = URL(fileURLWithPath: png).deletingLastPathComponent().path
        let scriptPath = folder + "/bench.gp"
        try script(timeline: timeline, seconds: seconds, png: png, title: title).write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let log = folder + "/gnuplot.log"
        let status = try await ChildProcess.run(gnuplot, [scriptPath], output: log)
        guard status == 0 else { throw Failed(status: status, log: log) }
    }

    /// All three panels share the x axis, 0 to `seconds`.
    static func script(timeline: String, seconds: Int, png: String, title: String) -> String {
        let quotedTitle = title.replacingOccurrences(of: "\"", with: "'")
        return """
            set terminal pngcairo size 1100,900 font "DejaVu Sans,10"
            set output "\(png)"
            set datafile separator ","
            set key top left opaque
            set grid
            set lmargin 10
            set rmargin 10
            set xrange [0:\(max(1, seconds))]
            set multiplot layout 3,1 title "okayface-dev bench: \(quotedTitle)" font ",11"
            set ylabel "end to end (ms)"
            set yrange [0:*]
            plot "\(timeline)" every ::1 using 1:6 with lines lw 2 lc rgb "#c0392b" title "p99", \\
                 "" every ::1 using 1:5 with lines lw 2 lc rgb "#2471a3" title "p50"
            set ylabel "decisions per second"
            set y2label "backlog (requests)"
            set y2range [0:*]
            set ytics nomirror
            set y2tics
            plot "\(timeline)" every ::1 using 1:4 with lines lw 2 lc rgb "#1e8449" title "decisions/s (durable, published)", \\
                 "" every ::1 using 1:9 axes x1y2 with lines lw 1 dt 2 lc rgb "#7f8c8d" title "backlog: published, not decided"
            set xlabel "seconds since the first publish"
            set ylabel "worker CPU (% of one core)"
            set y2label "worker RSS (MB)"
            plot "\(timeline)" every ::1 using 1:8 with lines lw 2 lc rgb "#8e44ad" title "CPU %", \\
                 "" every ::1 using 1:7 axes x1y2 with lines lw 2 lc rgb "#d68910" title "RSS MB"
            unset multiplot

            """
    }

    /// The absolute path of `name` on PATH (or in /usr/bin), if any.
    static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
        return folders.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
