import CCurl
import Synchronization

/// Owns one `CURL*` easy handle and the error buffer libcurl writes into.
///
/// `@unchecked Sendable`: a handle is used by one thread at a time — the calling task
/// while it configures a transfer, then the multi loop thread until the transfer ends,
/// then the pool — and every hand-off passes through a `Mutex` (the pool or the loop's
/// inbox), which orders those memory accesses.
final class CurlEasy: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    /// libcurl keeps this pointer (CURLOPT_ERRORBUFFER), so it lives as long as the handle.
    let errorBuffer: UnsafeMutablePointer<CChar>

    init?() {
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    /// The detailed message of the last failure, if libcurl wrote one.
    var lastErrorMessage: String? {
        errorBuffer.pointee == 0 ? nil : String(cString: errorBuffer)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }
}

/// Idle easy handles kept for reuse, so a new transfer skips handle set-up and keeps
/// libcurl's per-handle caches (DNS, TLS session ids). Connections themselves live in
/// the multi handle's connection cache.
final class CurlEasyPool: Sendable {
    private struct State {
        var idle: [CurlEasy] = []
        var closed = false
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// A reset handle, or nil when libcurl cannot allocate one.
    func take() -> CurlEasy? {
        if let easy = state.withLock({ $0.idle.popLast() }) { return easy }
        return CurlEasy()
    }

    func giveBack(_ easy: CurlEasy) {
        curl_easy_reset(easy.handle)
        // A handle that is not kept is freed by CurlEasy.deinit outside the lock.
        let dropped: CurlEasy? = state.withLock { state in
            guard !state.closed, state.idle.count < capacity else { return easy }
            state.idle.append(easy)
            return nil
        }
        _ = dropped
    }

    /// Frees idle handles and stops keeping new ones (client shut down).
    func close() {
        let idle = state.withLock { state in
            state.closed = true
            defer { state.idle = [] }
            return state.idle
        }
        _ = idle
    }
}
