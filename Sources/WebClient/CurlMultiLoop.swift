import CCurl
import Dispatch
import Foundation
import Logging
import Synchronization

/// The one curl multi handle and the thread that drives it.
///
/// Other threads talk to the loop only through `inbox` (new transfers, cancellations,
/// the stop request) followed by a write to the loop's eventfd. The loop thread drains the
/// inbox and drives libcurl with its socket interface: libcurl names the sockets it waits on
/// (`CURLMOPT_SOCKETFUNCTION`, kept in an epoll set) and when it next needs the time
/// (`CURLMOPT_TIMERFUNCTION`); the loop waits in `epoll_wait` and hands libcurl only the
/// sockets that are ready (`curl_multi_socket_action`), then resumes the continuations of
/// finished transfers. Work per wake-up follows the sockets that are ready, not the transfers
/// in flight: `curl_multi_perform` and `curl_multi_poll` visit every transfer each time, which
/// with 4,096 calls waiting 3 s on the vendor was most of the worker's CPU (docs/benchmarks.md).
///
/// `@unchecked Sendable`: `multi`, `active`, `epoll` and `timerDeadline` are used only on the
/// loop thread once it has started (libcurl calls the socket and timer functions from within
/// its own calls, on that thread). The one cross-thread call, the eventfd write, is made under
/// the inbox lock while `phase == .running`, and the loop leaves `.running` under that lock
/// before it closes the descriptor.
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
    private let epoll: Int32
    private let wakeup: Int32
    /// When libcurl wants `curl_multi_socket_action(CURL_SOCKET_TIMEOUT)`; nil: no timer.
    private var timerDeadline: ContinuousClock.Instant?
    /// Sockets in the epoll set, so a change is a MOD and a new one an ADD.
    private var watched = Set<Int32>()
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
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeup = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard epoll >= 0, wakeup >= 0 else { fatalError("epoll_create1 or eventfd failed: errno \(errno)") }
        self.pool = pool
        self.logger = logger
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = wakeup
        _ = epoll_ctl(epoll, EPOLL_CTL_ADD, wakeup, &event)
        _ = okf_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(maxConnectionsPerHost, 0))
        _ = okf_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max(maxTotalConnections, 0))
        // Keep as many idle connections as may be open, so bursts reuse them.
        _ = okf_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(maxTotalConnections, 1))
    }

    func start() {
        // Set here rather than in init: the functions get `self`, which init may not hand out.
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = okf_multi_setopt_ptr(multi, CURLMOPT_SOCKETDATA, context)
        _ = okf_multi_setopt_ptr(multi, CURLMOPT_TIMERDATA, context)
        _ = okf_multi_setopt_socket(multi) { _, socket, what, context, _ in
            guard let context else { return 0 }
            Unmanaged<CurlMultiLoop>.fromOpaque(context).takeUnretainedValue().watch(socket, what)
            return 0
        }
        _ = okf_multi_setopt_timer(multi) { _, milliseconds, context in
            guard let context else { return 0 }
            Unmanaged<CurlMultiLoop>.fromOpaque(context).takeUnretainedValue().timerDeadline =
                milliseconds < 0 ? nil : .now + .milliseconds(milliseconds)
            return 0
        }
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
            wake()
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
            wake()
        }
    }

    /// Fails every pending transfer with `.shutDown` and waits for the thread to end.
    /// Later calls return at once.
    func shutdown() {
        let first = inbox.withLock { inbox in
            guard inbox.phase == .running else { return false }
            inbox.phase = .stopping
            wake()
            return true
        }
        if first { exited.wait() }
    }

    /// Under the inbox lock, while running (the descriptor is open).
    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeup, &one, 8)
    }

    // MARK: Loop thread

    /// libcurl's socket function: what to wait for on `socket`.
    private func watch(_ socket: curl_socket_t, _ what: Int32) {
        if what == CURL_POLL_REMOVE {
            if watched.remove(socket) != nil { _ = epoll_ctl(epoll, EPOLL_CTL_DEL, socket, nil) }
            return
        }
        var event = epoll_event()
        event.events = (what & CURL_POLL_IN != 0 ? EPOLLIN.rawValue : 0) | (what & CURL_POLL_OUT != 0 ? EPOLLOUT.rawValue : 0)
        event.data.fd = socket
        let operation = watched.insert(socket).inserted ? EPOLL_CTL_ADD : EPOLL_CTL_MOD
        if epoll_ctl(epoll, operation, socket, &event) != 0, operation == EPOLL_CTL_ADD, errno == EEXIST {
            // A descriptor number reused before libcurl said REMOVE for the old one.
            _ = epoll_ctl(epoll, EPOLL_CTL_MOD, socket, &event)
        }
    }

    private func run() {
        var stillRunning: Int32 = 0
        let capacity = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
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

            if let due = timerDeadline, due <= .now {
                timerDeadline = nil
                act(CURL_SOCKET_TIMEOUT, 0, &stillRunning)
            }
            collectFinished()

            var wait: Int32 = 1000
            if let due = timerDeadline {
                let left = due - .now
                wait = left <= .zero ? 0 : Int32(min(1000, (left.components.seconds * 1000) + left.components.attoseconds / 1_000_000_000_000_000 + 1))
            }
            let ready = epoll_wait(epoll, events, Int32(capacity), wait)
            guard ready > 0 else { continue }
            for index in 0..<Int(ready) {
                let event = events[index]
                let socket = event.data.fd
                if socket == wakeup {
                    var count: UInt64 = 0
                    _ = read(wakeup, &count, 8)
                    continue
                }
                var flags: Int32 = 0
                if event.events & EPOLLIN.rawValue != 0 { flags |= CURL_CSELECT_IN }
                if event.events & EPOLLOUT.rawValue != 0 { flags |= CURL_CSELECT_OUT }
                if event.events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { flags |= CURL_CSELECT_ERR }
                act(socket, flags, &stillRunning)
            }
            collectFinished()
        }
    }

    private func act(_ socket: curl_socket_t, _ flags: Int32, _ stillRunning: inout Int32) {
        let code = curl_multi_socket_action(multi, socket, flags, &stillRunning)
        if code != CURLM_OK {
            logger.error("curl_multi_socket_action failed", metadata: ["code": "\(code.rawValue)"])
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
        close(epoll)
        close(wakeup)
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
