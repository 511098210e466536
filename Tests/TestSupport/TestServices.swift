import Blocking
import Foundation

/// The servers the integration tests share: a private PostgreSQL, an S3-compatible store
/// (moto_server) and the image servers over HTTP and HTTPS, described by environment
/// variables (`DATABASE_URL`, `OKAYFACE_TEST_S3_ENDPOINT`, …).
///
/// `scripts/test` starts them before the suite. A plain `swift test` (or `swift test --filter
/// X`) has no such variables: then the first test that asks starts them, once for the whole
/// run, with `scripts/lib/test-services.sh` (the same script), and they are stopped when the
/// test process exits. The Debian packages must be installed (scripts/test does that); moto
/// is installed from PyPI into `.build-tools/` the first time.
public enum TestServices {
    /// The repository root: `OKAYFACE_TEST_ROOT`, else found from this file's place.
    public static var root: String {
        if let root = ProcessInfo.processInfo.environment["OKAYFACE_TEST_ROOT"] { return root }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// The variable `name` of the servers' environment, starting the servers first when this
    /// run has none. Blocks the first caller while they start: call it from a test that runs
    /// off the cooperative pool (`.offCooperativePool`).
    public static func value(_ name: String) -> String? {
        _ = started
        return ProcessInfo.processInfo.environment[name]
    }

    /// Nil once the servers run; otherwise why they could not be started (said once on
    /// standard error; each test then fails naming the variable it lacks).
    private static let started: String? = {
        let failure = start()
        if let failure { FileHandle.standardError.write(Data("TestServices: \(failure)\n".utf8)) }
        return failure
    }()

    private static func start() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if environment["DATABASE_URL"] != nil, environment["OKAYFACE_TEST_S3_ENDPOINT"] != nil { return nil }
        let directory = NSTemporaryDirectory() + "okayface-swift-test.\(getpid())"
        let log = directory + ".log"
        FileHandle.standardError.write(Data("TestServices: starting PostgreSQL, moto_server and the image servers (log: \(log))\n".utf8))
        do {
            let status = try ChildProcess.runToEnd("/bin/bash", [root + "/scripts/lib/test-services.sh", "start", directory], output: log)
            guard status == 0 else { return "scripts/lib/test-services.sh start failed with status \(status); see \(log)" }
            let lines = try String(contentsOfFile: directory + "/env", encoding: .utf8).split(separator: "\n")
            for line in lines {
                guard let eq = line.firstIndex(of: "=") else { continue }
                setenv(String(line[..<eq]), String(line[line.index(after: eq)...]), 1)
            }
        } catch {
            return "cannot start the test servers: \(error); see \(log)"
        }
        stopDirectory = directory
        atexit {
            guard let directory = TestServices.stopDirectory else { return }
            _ = try? ChildProcess.runToEnd(
                "/bin/bash", [TestServices.root + "/scripts/lib/test-services.sh", "stop", directory], output: directory + ".log")
        }
        return nil
    }

    /// Where `started` put the servers' state, for the exit handler.
    nonisolated(unsafe) private static var stopDirectory: String?
}
