import Foundation

/// A fresh folder under the system's temporary directory, removed when `body` returns.
/// The path handed to `body` is the folder's real path (symlinks resolved), as the kernel
/// reports it for open files.
public func withScratchFolder<T>(_ body: (_ folder: String) async throws -> T) async throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("okf-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    let folder = url.resolvingSymlinksInPath().path
    return try await body(folder)
}

/// Writes `bytes` to `path`, replacing what was there.
public func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Bytes that are not a repetition, so a misplaced or repeated chunk shows in comparisons.
public func patternedBytes(count: Int, seed: UInt8 = 1) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 31) ^ ($0 >> 8) &+ Int(seed)) }
}

/// How many of this process's descriptors refer to `path` (Linux: `/proc/self/fd`), to show
/// that a file was closed. nil where `/proc` is not available.
public func openDescriptorCount(for path: String) -> Int? {
    #if os(Linux)
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return nil }
    return entries.filter { entry in
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(entry)")) == path
    }.count
    #else
    return nil
    #endif
}
