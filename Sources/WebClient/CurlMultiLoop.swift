import CCurl
import Dispatch
import Foundation
import Logging
import Synchronization

/// The one curl multi handle and the thread that drives it.
///
/// Other threads talk to the loop only through `inbox` (new transfers, cancellations,
/// the stop request) followed by `curl_multi_wakeup`. The loop thread drains the inbox,
/// runs `curl_multi_perform`, resumes the continuations of finished transfers and waits
/// in `curl_multi_poll`.
///
/// `@unchecked Sendable`: `multi` and `active` are used only on the loop thread once it
/// has started. The sole cross-thread libcurl call, `curl_multi_wakeup` (documented as
/// callable from any thread), is made under the inbox lock while `phase == .running`,
/// and the loop leaves `.running` under that lock before `curl_multi_cleanup`, so a
/// wakeup never reaches a freed handle.
final class CurlMultiLoop: @unchecked Sendable {
    private enum Phase {
        case running
        case stopping
        case stopped
    }

    private struct Inbox {
        var phase = Phase.running
        var newTransfers: [CurlTransfer] = []
        var cancellations: [CurlTransfer] = []
    }

    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    private let pool: CurlEasyPool
    private let logger: Logger
    private let exited = DispatchSemaphore(value: 0)
    /// Keyed by easy handle, which is what `curl_multi_info_read` reports.
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    init(maxConnectionsPerHost: Int, maxTotalConnections: Int, pool: CurlEasyPool, logger: Logger) {
        guard let multi = curl_multi_init() else {
            // Only fails when malloc fails at start-up; nothing sensible can continue.
            fatalError("curl_multi_init failed")
        }
        self.multi = multi
        self.pool = pool
        self.logger = logger
        _ = okf_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(maxConnectionsPerHost, 0))
        _ = okf_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max(maxTotalConnections, 0))
        // Keep as many idle connections as may be open, so bursts reuse them.
        _ = okf_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(maxTotalConnections, 1))
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "okf-curl"  // at most 15 bytes show in top -H
        thread.start()
    }

    // MARK: Any thread

    /// Hands a configured transfer to the loop, or fails it at once after shutdown.
    func submit(_ transfer: CurlTransfer) {
        let accepted = inbox.withLock { inbox in
            guard inbox.phase == .running else { return false }
            inbox.newTransfers.append(transfer)
            curl_multi_wakeup(multi)
            return true
        }
        if !accepted {
            complete(transfer, .failure(.shutDown))
        }
    }

    /// Asks the loop to remove the transfer; a transfer not yet added is failed when it is.
    func cancel(_ transfer: CurlTransfer) {
        transfer.requestCancel()
        inbox.withLock { inbox in
            guard inbox.phase == .running else { return }
            inbox.cancellations.append(transfer)
            curl_multi_wakeup(multi)
        }
    }

    /// Fails every pending transfer with `.shutDown` and waits for the thread to end.
    /// Later calls return at once.
    func shutdown() {
        let first = inbox.withLock { inbox in
            guard inbox.phase == .running else { return false }
            inbox.phase = .stopping
            curl_multi_wakeup(multi)
            return true
        }
        if first { exited.wait() }
    }

    // MARK: Loop thread

    private func run() {
        var stillRunning: Int32 = 0
        while true {
            let (added, cancelled, stopping) = inbox.withLock { inbox in
                defer {
                    inbox.newTransfers.removeAll()
                    inbox.cancellations.removeAll()
                }
                return (inbox.newTransfers, inbox.cancellations, inbox.phase != .running)
            }
            if stopping {
                stop(pending: added)
                return
            }
            for transfer in added { add(transfer) }
            for transfer in cancelled { remove(transfer, with: .failure(.cancelled)) }

            let performCode = curl_multi_perform(multi, &stillRunning)
            if performCode != CURLM_OK {
                logger.error("curl_multi_perform failed", metadata: ["code": "\(performCode.rawValue)"])
            }
            collectFinished()
            // curl_multi_poll also returns early for libcurl's own timers and for wakeups.
            _ = curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }

    private func add(_ transfer: CurlTransfer) {
        if transfer.isCancelRequested {
            complete(transfer, .failure(.cancelled))
            return
        }
        let code = curl_multi_add_handle(multi, transfer.easy.handle)
        guard code == CURLM_OK else {
            let message = String(cString: curl_multi_strerror(code))
            complete(transfer, .failure(.transport(code: Int32(truncatingIfNeeded: code.rawValue), message: message)))
            return
        }
        active[transfer.easy.handle] = transfer
    }

    private func remove(_ transfer: CurlTransfer, with result: Result<WebResponse, WebClientError>) {
        // A finished transfer is no longer active (its result stands), and its recycled
        // easy handle may already carry a newer transfer: match by identity.
        guard let current = active[transfer.easy.handle], current === transfer else { return }
        active.removeValue(forKey: transfer.easy.handle)
        curl_multi_remove_handle(multi, transfer.easy.handle)
        logger.debug("HTTP transfer removed", metadata: ["request": "\(transfer.logDescription)", "reason": "\(result)"])
        complete(transfer, result)
    }

    private func collectFinished() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
            // Read before remove_handle: the message does not survive it.
            let code = message.pointee.data.result
            curl_multi_remove_handle(multi, handle)
            guard let transfer = active.removeValue(forKey: handle) else { continue }
            let result = transfer.result(for: code)
            if case .failure(let error) = result {
                logger.debug("HTTP transfer failed", metadata: ["request": "\(transfer.logDescription)", "error": "\(error)"])
            }
            complete(transfer, result)
        }
    }

    private func stop(pending: [CurlTransfer]) {
        let late = inbox.withLock { inbox in
            inbox.phase = .stopped
            return inbox.newTransfers
        }
        for transfer in pending + late {
            complete(transfer, .failure(.shutDown))
        }
        for transfer in Array(active.values) {
            remove(transfer, with: .failure(.shutDown))
        }
        curl_multi_cleanup(multi)
        pool.close()
        exited.signal()
    }

    /// Ends a transfer that is out of the multi handle: its C objects and file readers go
    /// first, so a caller that resumes sees its files already released, then the caller, then
    /// the handle back to the pool.
    private func complete(_ transfer: CurlTransfer, _ result: Result<WebResponse, WebClientError>) {
        transfer.releaseCObjects()
        transfer.finish(result)
        pool.giveBack(transfer.easy)
    }
}
