import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// One run of a program from a test, to its end: exit status and both outputs, through
/// swift-subprocess (its own I/O loop: the wait holds no thread, and a chatty program cannot
/// fill a pipe and stall).
struct CommandRun {
    let status: Int32
    let out: String
    let err: String

    /// Outputs beyond this are an error: no command a test runs says that much.
    static let outputLimit = 16 * 1024 * 1024

    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: String? = nil,
        directory: String? = nil
    ) async throws -> CommandRun {
        let env: Environment = environment.map { values in
            .custom(Dictionary(uniqueKeysWithValues: values.compactMap { key, value in Environment.Key(rawValue: key).map { ($0, value) } }))
        } ?? .inherit
        let result = try await Subprocess.run(
            .path(FilePath(executable)), arguments: Arguments(arguments), environment: env,
            workingDirectory: directory.map { FilePath($0) }, input: .string(input ?? ""),
            output: .string(limit: outputLimit), error: .string(limit: outputLimit))
        let status: Int32
        switch result.terminationStatus {
        case .exited(let code): status = Int32(code)
        case .signaled(let signal): status = 128 + Int32(signal)
        }
        return CommandRun(status: status, out: result.standardOutput, err: result.standardError)
    }
}
