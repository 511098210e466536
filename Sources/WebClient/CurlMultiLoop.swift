import CCurl
import Dispatch
import Foundation
import Logging
import Synchronization

/// The curl multi handles and the one thread that drives them.
///
/// Other threads talk to the loop only through `inbox` (new transfers, cancellations,
/// the stop request) followed by a write to the loop's eventfd. The loop thread drains the
/// inbox and drives libcurl with its socket interface: libcurl names the sockets it waits on
/// (`CURLMOPT_SOCKETFUNCTION`, kept in one epoll set for all the handles) and when it next
/// needs the time (`CURLMOPT_TIMERFUNCTION`); the loop waits in `epoll_wait` and hands libcurl
/// only the sockets that are ready (`curl_multi_socket_action`), then resumes the
/// continuations of finished transfers. Work per wake-up follows the sockets that are ready,
/// not the transfers in flight: `curl_multi_perform` and `curl_multi_poll` visit every
/// transfer each time, which with 4,096 calls waiting 3 s on the vendor was most of the
/// worker's CPU (docs/benchmarks.md). Large pools are spread over several multi handles
/// (``CurlMultiShard``), because libcurl walks a host's whole connection list per transfer.
///
/// `@unchecked Sendable`: the shards' loop-thread state and `watched` are used only on the
/// loop thread once it has started. The cross-thread calls are the eventfd write, made under
/// the inbox lock while `phase == .running` (the loop leaves `.running` under that lock before
/// it closes the descriptor), and the shards' atomic loads.
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

    /// The eventfd's key in the epoll set; no shard's socket key has all bits set.
    private static let wakeupKey = UInt64.max

    private let shards: [CurlMultiShard]
    private let epoll: Int32
    private let wakeup: Int32
    /// Sockets in the epoll set and the shard that watches each, so a change is a MOD, a new
    /// one an ADD, and a late REMOVE of a reused descriptor number leaves the new owner's alone.
    private var watched: [Int32: Int] = [:]
    private let inbox = Mutex(Inbox())
    private let pool: CurlEasyPool
    private let logger: Logger
    private let exited = DispatchSemaphore(value: 0)

    init(maxConnectionsPerHost: Int, maxTotalConnections: Int, connectionsPerShard: Int, pool: CurlEasyPool, logger: Logger) {
        let count = CurlMultiShard.count(maxConnectionsPerHost: maxConnectionsPerHost, connectionsPerShard: connectionsPerShard)
        shards = (0..<count).map {
            CurlMultiShard(index: $0, shards: count, maxConnectionsPerHost: maxConnectionsPerHost, maxTotalConnections: maxTotalConnections)
        }
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeup = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard epoll >= 0, wakeup >= 0 else { fatalError("epoll_create1 or eventfd failed: errno \(errno)") }
        self.pool = pool
        self.logger = logger
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = Self.wakeupKey
        _ = epoll_ctl(epoll, EPOLL_CTL_ADD, wakeup, &event)
    }

    func start() {
        // Set here rather than in init: the shards point back at `self`, which init may not hand out.
        for shard in shards {
            shard.loop = self
            let context = Unmanaged.passUnretained(shard).toOpaque()
            _ = okf_multi_setopt_ptr(shard.multi, CURLMOPT_SOCKETDATA, context)
            _ = okf_multi_setopt_ptr(shard.multi, CURLMOPT_TIMERDATA, context)
            _ = okf_multi_setopt_socket(shard.multi) { _, socket, what, context, _ in
                guard let context else { return 0 }
                let shard = Unmanaged<CurlMultiShard>.fromOpaque(context).takeUnretainedValue()
                shard.loop?.watch(socket, what, for: shard)
                return 0
            }
            _ = okf_multi_setopt_timer(shard.multi) { _, milliseconds, context in
                guard let context else { return 0 }
                Unmanaged<CurlMultiShard>.fromOpaque(context).takeUnretainedValue().timerDeadline =
                    milliseconds < 0 ? nil : .now + .milliseconds(milliseconds)
                return 0
            }
        }
        let thread = Thread { [self] in run() }
        thread.name = "okf-curl"  // at most 15 bytes show in top -H
        thread.start()
    }

    // MARK: Any thread

    /// Hands a configured transfer to the loop, or fails it at once after shutdown.
    func submit(_ transfer: CurlTransfer) {
        transfer.shard = leastLoadedShard()
        shards[transfer.shard].load.add(1, ordering: .relaxed)
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

    /// The shard with the fewest transfers; a race between two submits only evens out later.
    private func leastLoadedShard() -> Int {
        guard shards.count > 1 else { return 0 }
        var best = 0
        var lowest = Int.max
        for shard in shards {
            let load = shard.load.load(ordering: .relaxed)
            if load < lowest {
                lowest = load
                best = shard.index
            }
        }
        return best
    }

    /// Under the inbox lock, while running (the descriptor is open).
    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeup, &one, 8)
    }

    // MARK: Loop thread

    /// libcurl's socket function for `shard`: what to wait for on `socket`.
    fileprivate func watch(_ socket: curl_socket_t, _ what: Int32, for shard: CurlMultiShard) {
        if what == CURL_POLL_REMOVE {
            if watched[socket] == shard.index {
                watched.removeValue(forKey: socket)
                _ = epoll_ctl(epoll, EPOLL_CTL_DEL, socket, nil)
            }
            return
        }
        var event = epoll_event()
        event.events = (what & CURL_POLL_IN != 0 ? EPOLLIN.rawValue : 0) | (what & CURL_POLL_OUT != 0 ? EPOLLOUT.rawValue : 0)
        event.data.u64 = shard.epollKey(socket)
        let operation = watched.updateValue(shard.index, forKey: socket) == nil ? EPOLL_CTL_ADD : EPOLL_CTL_MOD
        if epoll_ctl(epoll, operation, socket, &event) != 0, operation == EPOLL_CTL_ADD, errno == EEXIST {
            // A descriptor number reused before libcurl said REMOVE for the old one.
            _ = epoll_ctl(epoll, EPOLL_CTL_MOD, socket, &event)
        }
    }

    private func run() {
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

            var wait: Int32 = 1000
            let now = ContinuousClock.now
            for shard in shards {
                if let due = shard.timerDeadline, due <= now {
                    shard.timerDeadline = nil
                    act(shard, CURL_SOCKET_TIMEOUT, 0)
                }
                collectFinished(shard)
                if let due = shard.timerDeadline {
                    let left = due - now
                    let milliseconds = left <= .zero ? 0 : Int32(min(1000, (left.components.seconds * 1000) + left.components.attoseconds / 1_000_000_000_000_000 + 1))
                    wait = min(wait, milliseconds)
                }
            }
            let ready = epoll_wait(epoll, events, Int32(capacity), wait)
            guard ready > 0 else { continue }
            for index in 0..<Int(ready) {
                let event = events[index]
                if event.data.u64 == Self.wakeupKey {
                    var count: UInt64 = 0
                    _ = read(wakeup, &count, 8)
                    continue
                }
                let (shardIndex, socket) = CurlMultiShard.decode(event.data.u64)
                var flags: Int32 = 0
                if event.events & EPOLLIN.rawValue != 0 { flags |= CURL_CSELECT_IN }
                if event.events & EPOLLOUT.rawValue != 0 { flags |= CURL_CSELECT_OUT }
                if event.events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { flags |= CURL_CSELECT_ERR }
                act(shards[shardIndex], socket, flags)
            }
            for shard in shards { collectFinished(shard) }
        }
    }

    private func act(_ shard: CurlMultiShard, _ socket: curl_socket_t, _ flags: Int32) {
        var stillRunning: Int32 = 0
        let code = curl_multi_socket_action(shard.multi, socket, flags, &stillRunning)
        if code != CURLM_OK {
            logger.error("curl_multi_socket_action failed", metadata: ["code": "\(code.rawValue)"])
        }
    }

    private func add(_ transfer: CurlTransfer) {
        if transfer.isCancelRequested {
            complete(transfer, .failure(.cancelled))
            return
        }
        let shard = shards[transfer.shard]
        let code = curl_multi_add_handle(shard.multi, transfer.easy.handle)
        guard code == CURLM_OK else {
            let message = String(cString: curl_multi_strerror(code))
            complete(transfer, .failure(.transport(code: Int32(truncatingIfNeeded: code.rawValue), message: message)))
            return
        }
        shard.active[transfer.easy.handle] = transfer
    }

    private func remove(_ transfer: CurlTransfer, with result: Result<WebResponse, WebClientError>) {
        // A finished transfer is no longer active (its result stands), and its recycled
        // easy handle may already carry a newer transfer: match by identity.
        let shard = shards[transfer.shard]
        guard let current = shard.active[transfer.easy.handle], current === transfer else { return }
        shard.active.removeValue(forKey: transfer.easy.handle)
        curl_multi_remove_handle(shard.multi, transfer.easy.handle)
        logger.debug("HTTP transfer removed", metadata: ["request": "\(transfer.logDescription)", "reason": "\(result)"])
        complete(transfer, result)
    }

    private func collectFinished(_ shard: CurlMultiShard) {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(shard.multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
            // Read before remove_handle: the message does not survive it.
            let code = message.pointee.data.result
            curl_multi_remove_handle(shard.multi, handle)
            guard let transfer = shard.active.removeValue(forKey: handle) else { continue }
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
        for shard in shards {
            for transfer in Array(shard.active.values) {
                remove(transfer, with: .failure(.shutDown))
            }
            shard.cleanup()
        }
        close(epoll)
        close(wakeup)
        pool.close()
        exited.signal()
    }

    /// Ends a transfer that is out of the multi handle: its C objects and file readers go
    /// first, so a caller that resumes sees its files already released, then the caller, then
    /// the handle back to the pool.
    private func complete(_ transfer: CurlTransfer, _ result: Result<WebResponse, WebClientError>) {
        shards[transfer.shard].load.subtract(1, ordering: .relaxed)
        transfer.releaseCObjects()
        transfer.finish(result)
        pool.giveBack(transfer.easy)
    }
}
