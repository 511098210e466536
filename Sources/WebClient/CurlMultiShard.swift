import CCurl
import Synchronization

/// One of the loop's curl multi handles, with its own connection cache.
///
/// libcurl keeps the connections to one host in one list and walks it on every new transfer
/// (looking for an idle connection) and in its per-connection bookkeeping, so with 4,096 calls
/// in flight to the vendor that walk was most of libcurl's share of the worker's CPU
/// (docs/benchmarks.md). The loop therefore spreads large pools over several multi handles of
/// about `WebClient.Configuration.connectionsPerShard` connections each; a transfer goes to
/// the shard with the fewest transfers, so no shard's limit is reached while another has room.
///
/// `@unchecked Sendable`: everything but `load` is used only on the loop thread once it has
/// started (libcurl calls the socket and timer functions from within its own calls, there).
final class CurlMultiShard: @unchecked Sendable {
    /// More handles than this would only add per-wake-up work.
    static let maxShards = 16

    let index: Int
    let multi: UnsafeMutableRawPointer
    /// Transfers handed to this shard and not yet completed; read by submitting threads.
    let load = Atomic<Int>(0)
    /// When libcurl wants `curl_multi_socket_action(CURL_SOCKET_TIMEOUT)`; nil: no timer.
    var timerDeadline: ContinuousClock.Instant?
    /// Keyed by easy handle, which is what `curl_multi_info_read` reports.
    var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    /// The loop whose epoll set holds this shard's sockets; set before the callbacks are. The
    /// loop cleans its shards up before it goes, so libcurl never calls back without it.
    unowned(unsafe) var loop: CurlMultiLoop?

    /// How many shards a pool of these limits gets: one for the usual small pools, so their
    /// per-host limit is exactly the configured one.
    static func count(maxConnectionsPerHost: Int, connectionsPerShard: Int) -> Int {
        min(max(max(maxConnectionsPerHost, 0) / max(connectionsPerShard, 1), 1), maxShards)
    }

    init(index: Int, shards: Int, maxConnectionsPerHost: Int, maxTotalConnections: Int) {
        guard let multi = curl_multi_init() else {
            // Only fails when malloc fails at start-up; nothing sensible can continue.
            fatalError("curl_multi_init failed")
        }
        self.index = index
        self.multi = multi
        // Each shard gets its part of the limits, rounded up: the least-loaded choice keeps
        // every shard at or under its part while the whole pool is under its limit.
        let perHost = Self.part(maxConnectionsPerHost, of: shards)
        let total = Self.part(maxTotalConnections, of: shards)
        _ = okf_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, perHost)
        _ = okf_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, total)
        // Keep as many idle connections as may be open, so bursts reuse them.
        _ = okf_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(total, 1))
    }

    /// 0 stays "no limit", as libcurl reads it.
    private static func part(_ limit: Int, of shards: Int) -> Int {
        limit <= 0 ? 0 : (limit + shards - 1) / shards
    }

    /// The key of `socket` in the loop's epoll set: the shard in the high half, so a ready
    /// socket is handed to the multi handle that watches it.
    func epollKey(_ socket: curl_socket_t) -> UInt64 {
        UInt64(index) << 32 | UInt64(UInt32(bitPattern: socket))
    }

    static func decode(_ key: UInt64) -> (shard: Int, socket: curl_socket_t) {
        (Int(key >> 32), curl_socket_t(bitPattern: UInt32(truncatingIfNeeded: key)))
    }

    func cleanup() {
        curl_multi_cleanup(multi)
    }
}
