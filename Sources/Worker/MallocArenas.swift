#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging

/// How many malloc arenas glibc may make (`M_ARENA_MAX`).
///
/// glibc gives threads up to eight arenas per core, and memory freed in one arena is not
/// reused by threads of another: with 4,096 calls in flight the worker's peak RSS varied
/// between 471 and 528 MB from run to run, against 455–460 MB with two arenas, for the same
/// CPU (docs/benchmarks.md). One arena per core (at least two) keeps the peak steady. An
/// operator's own `MALLOC_ARENA_MAX` or `GLIBC_TUNABLES` wins.
enum MallocArenas {
    /// `M_ARENA_MAX` from malloc.h.
    private static let arenaMax: Int32 = -8

    static func limit(logger: Logger) {
        #if canImport(Glibc)
        let environment = ProcessInfo.processInfo.environment
        guard environment["MALLOC_ARENA_MAX"] == nil, environment["GLIBC_TUNABLES"] == nil else { return }
        let arenas = max(2, ProcessInfo.processInfo.activeProcessorCount)
        // Glibc's Swift module leaves malloc.h out; mallopt is looked up instead.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        if mallopt(arenaMax, Int32(arenas)) != 1 {
            logger.warning("could not limit malloc arenas", metadata: ["arenas": "\(arenas)"])
        }
        #endif
    }
}
