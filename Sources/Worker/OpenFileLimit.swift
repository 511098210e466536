#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// The process's limit on open descriptors (`RLIMIT_NOFILE`).
///
/// Each running request keeps its three images open until its vendor call ends, next to one
/// HTTP connection, so the worker needs about four descriptors per request in flight. Many
/// hosts start services with a soft limit of 1,024; running out would turn images into
/// `image_unavailable` decisions. The soft limit may be raised up to the hard one without
/// privileges, as Go's runtime does at start-up; nothing here uses `select`, whose sets stop
/// at 1,024.
enum OpenFileLimit {
    /// Descriptors for `maxInFlight` requests: three images and a connection each, and three
    /// images for each request started ahead of its vendor turn, plus the database pool, Kafka
    /// sockets, the health server and libraries' own.
    static func needed(maxInFlight: Int, databasePoolSize: Int) -> Int {
        4 * maxInFlight + 3 * VerificationConsumer.ahead(maxInFlight: maxInFlight) + databasePoolSize + 128
    }

    /// Raises the soft limit to the hard one when it is lower than `needed`; warns when even
    /// the hard limit is lower.
    static func ensure(_ needed: Int, logger: Logger) {
        var limit = rlimit()
        guard getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0 else { return }
        let wanted = rlim_t(max(needed, 0))
        if limit.rlim_cur < wanted, limit.rlim_cur < limit.rlim_max {
            let before = limit.rlim_cur
            limit.rlim_cur = min(wanted, limit.rlim_max)
            if setrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0 {
                logger.info("raised the open file limit", metadata: ["from": "\(before)", "to": "\(limit.rlim_cur)"])
            } else {
                limit.rlim_cur = before
            }
        }
        if limit.rlim_cur < wanted {
            logger.warning(
                "open file limit is below what WORKER_MAX_IN_FLIGHT needs; raise it (ulimit -n) or lower WORKER_MAX_IN_FLIGHT",
                metadata: ["limit": "\(limit.rlim_cur)", "needed": "\(needed)"])
        }
    }

    #if canImport(Glibc)
    // Glibc imports RLIMIT_NOFILE as an enum case of `__rlimit_resource`.
    private static let RLIMIT_NOFILE_VALUE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let RLIMIT_NOFILE_VALUE = RLIMIT_NOFILE
    #endif
}
