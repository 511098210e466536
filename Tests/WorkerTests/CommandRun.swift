import Blocking
import DevTools
import Foundation

/// One run of a program from a test: exit status and both outputs. The outputs go to files,
/// not pipes, so a chatty program cannot fill a pipe and stall, and the wait does not hold
/// one of Swift's cooperative threads (`Process.exited()`).
struct CommandRun {
    let status: Int32
    let out: String
    let err: String

    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: String? = nil,
        directory: String? = nil
    ) async throws -> CommandRun {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("okf-run-\(UUID().uuidString)").path
        let outPath = base + ".out"
        let errPath = base + ".err"
        for path in [outPath, errPath] { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        defer { for path in [outPath, errPath] { try? FileManager.default.removeItem(atPath: path) } }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        let stdin = Pipe()
        process.standardInput = stdin
        try ProcessLaunch.run(process)
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        await process.exited()
        return CommandRun(
            status: process.terminationStatus, out: try String(contentsOfFile: outPath, encoding: .utf8),
            err: try String(contentsOfFile: errPath, encoding: .utf8))
    }
}
