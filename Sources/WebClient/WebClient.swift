import Blocking
import CCurl
import Logging

/// Asynchronous HTTP/1.1 and HTTP/2 client on one libcurl multi handle, driven by a
/// dedicated thread, with connections reused across requests.
///
/// Call ``shutdown()`` when done; it is also called on deinit.
public final class WebClient: Sendable {
    /// Connection limits of the shared pool; transfers beyond them wait in libcurl's queue
    /// (and their `timeout` keeps running while they wait).
    public struct Configuration: Sendable {
        public var maxConnectionsPerHost: Int = 64
        public var maxTotalConnections: Int = 256
        /// A pool whose per-host limit is larger is spread over several curl multi handles of
        /// about this many connections each (at most 16 handles): libcurl walks a host's whole
        /// connection list for every new transfer (docs/benchmarks.md).
        public var connectionsPerShard: Int = 256

        public init(maxConnectionsPerHost: Int = 64, maxTotalConnections: Int = 256, connectionsPerShard: Int = 256) {
            self.maxConnectionsPerHost = maxConnectionsPerHost
            self.maxTotalConnections = maxTotalConnections
            self.connectionsPerShard = connectionsPerShard
        }
    }

    private let loop: CurlMultiLoop
    private let pool: CurlEasyPool
    private let logger: Logger

    public init(configuration: Configuration = .init(), logger: Logger) {
        CurlGlobal.ensureInitialized()
        self.logger = logger
        pool = CurlEasyPool(capacity: max(configuration.maxTotalConnections, 1))
        loop = CurlMultiLoop(
            maxConnectionsPerHost: configuration.maxConnectionsPerHost,
            maxTotalConnections: configuration.maxTotalConnections,
            connectionsPerShard: configuration.connectionsPerShard,
            pool: pool,
            logger: logger
        )
        loop.start()
    }

    deinit {
        loop.shutdown()
    }

    /// Performs one request. Any HTTP status is a response; only the absence of a
    /// complete response is an error. Cancelling the calling task removes the transfer.
    public func execute(_ request: WebRequest) async throws(WebClientError) -> WebResponse {
        if Task.isCancelled { throw .cancelled }
        guard let easy = pool.take() else {
            throw .transport(code: Int32(CURLE_OUT_OF_MEMORY.rawValue), message: "curl_easy_init failed")
        }
        let transfer: CurlTransfer
        do {
            transfer = try CurlTransfer(request: request, easy: easy)
        } catch {
            pool.giveBack(easy)
            throw error
        }
        let loop = self.loop
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                transfer.continuation = continuation
                loop.submit(transfer)
            }
        } onCancel: {
            loop.cancel(transfer)
        }
        return try result.get()
    }

    /// Fails pending transfers with ``WebClientError/shutDown`` and joins the loop
    /// thread (briefly blocking the caller). Idempotent.
    public func shutdown() {
        BlockingCall.around("WebClient.shutdown (joins the curl thread)") { loop.shutdown() }
    }
}
