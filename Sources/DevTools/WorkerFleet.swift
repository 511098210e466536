import Blocking
import Foundation

/// How a worker process ended.
public struct WorkerExit: Sendable, CustomStringConvertible {
    public var name: String
    public var pid: Int32
    /// Exit status, or the signal number when `bySignal`.
    public var status: Int32
    public var bySignal: Bool
    public var log: String

    public var description: String {
        "\(name) (pid \(pid)) " + (bySignal ? "killed by signal \(status)" : "exited with status \(status)") + "; log \(log)"
    }
}

/// A worker process as started: its name, process id and log file.
public struct StartedWorker: Sendable {
    public var name: String
    public var pid: Int32
    public var log: String
}

/// The `okayface-worker run` processes of a chaos or bench run: starts them with one
/// environment, each logging to its own file, kills them with SIGKILL, notices the ones that
/// died on their own, and stops the rest gracefully with SIGTERM.
actor WorkerFleet {
    private struct Member {
        var name: String
        var process: Process
        var log: String
    }

    private let executable: String
    private let environment: [String: String]
    private let directory: String
    /// Notes every start, kill and exit (the chaos timeline, the bench's log).
    private let record: @Sendable (String) -> Void
    private var members: [Member] = []
    private var started = 0
    private var closed = false

    struct Closed: Error, CustomStringConvertible {
        var description: String { "the run is over: no more workers" }
    }

    init(executable: String, environment: [String: String], directory: String, record: @escaping @Sendable (String) -> Void) {
        self.executable = executable
        self.environment = environment
        self.directory = directory
        self.record = record
    }

    var runningCount: Int { members.count }

    /// Starts one more worker, `worker-<n>`, logging to `worker-<n>.log`.
    @discardableResult
    func start() async throws -> StartedWorker {
        guard !closed else { throw Closed() }
        started += 1
        let name = "worker-\(started)"
        let log = directory + "/\(name).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["run"]
        process.environment = environment
        process.standardOutput = handle
        process.standardError = handle
        // Spawning blocks (and walks every descriptor): off the cooperative threads.
        nonisolated(unsafe) let spawned = process
        try await BlockingWork.run { try ProcessLaunch.run(spawned) }
        try? handle.close()  // the child holds its own descriptor
        members.append(Member(name: name, process: process, log: log))
        record("started \(name) (pid \(process.processIdentifier))")
        return StartedWorker(name: name, pid: process.processIdentifier, log: log)
    }

    /// SIGKILLs the member at `index` of the running ones and waits for it to be gone.
    func kill(index: Int) async -> WorkerExit? {
        guard members.indices.contains(index) else { return nil }
        let member = members.remove(at: index)
        Foundation.kill(member.process.processIdentifier, SIGKILL)
        let exit = await Self.waitForExit(member)
        record("SIGKILL \(member.name) (pid \(member.process.processIdentifier))")
        return exit
    }

    /// Members that ended without being asked to; they are no longer counted as running.
    func collectUnexpectedExits() -> [WorkerExit] {
        var gone: [WorkerExit] = []
        members.removeAll { member in
            guard !member.process.isRunning else { return false }
            let exit = Self.exit(of: member)
            gone.append(exit)
            record("UNEXPECTED: \(exit)")
            return true
        }
        return gone
    }

    /// SIGTERM to every running worker, then waits up to `timeout` for each; a worker still
    /// running then is killed and reported as killed by SIGKILL.
    func stopAll(timeout: Duration) async -> [WorkerExit] {
        closed = true
        let stopping = members
        members = []
        for member in stopping {
            member.process.terminate()
            record("SIGTERM \(member.name) (pid \(member.process.processIdentifier))")
        }
        var exits: [WorkerExit] = []
        let deadline = ContinuousClock.now + timeout
        for member in stopping {
            while member.process.isRunning && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(50))
            }
            if member.process.isRunning {
                record("\(member.name) still running \(timeout) after SIGTERM: SIGKILL")
                Foundation.kill(member.process.processIdentifier, SIGKILL)
            }
            let exit = await Self.waitForExit(member)
            record("\(exit)")
            exits.append(exit)
        }
        return exits
    }

    /// Cleanup after a failure: nothing may outlive the run.
    func killAll() async {
        closed = true
        let all = members
        members = []
        for member in all {
            Foundation.kill(member.process.processIdentifier, SIGKILL)
            _ = await Self.waitForExit(member)
        }
    }

    private static func waitForExit(_ member: Member) async -> WorkerExit {
        await member.process.exited()
        return exit(of: member)
    }

    private static func exit(of member: Member) -> WorkerExit {
        let process = member.process
        return WorkerExit(
            name: member.name, pid: process.processIdentifier, status: process.terminationStatus,
            bySignal: process.terminationReason == .uncaughtSignal, log: member.log)
    }
}
