import Synchronization

/// The request deadlines of one worker, watched by one timer: every ``tick`` the requests
/// whose deadline has passed are cancelled.
///
/// One `Task.sleep` per request was 8–10% of the worker's CPU at 4,096 calls in flight, and a
/// cancelled sleep keeps its timer and memory until its deadline would have passed
/// (swiftlang/swift#60441): with the 300 s default, several hundred thousand of them at a
/// thousand decisions a second (docs/benchmarks.md).
///
/// Time while vendor calls are held back (``VendorAccess``) does not count: a request's
/// deadline moves out by the part of a hold it lived through, and nothing expires during one.
///
/// ``watch()`` must run for deadlines to fire (the worker runs it as a service); a deadline
/// fires up to one tick late.
public final class RequestDeadlines: Sendable {
    /// One registered request.
    final class Ticket: Sendable {
        fileprivate let id: UInt64
        private let expired = Atomic<Bool>(false)

        fileprivate init(id: UInt64) { self.id = id }

        /// Whether the deadline passed first; final once ``RequestDeadlines/remove(_:)`` returned.
        var isExpired: Bool { expired.load(ordering: .acquiring) }
        fileprivate func markExpired() { expired.store(true, ordering: .releasing) }
    }

    private struct Entry {
        /// When the request is due, on a clock that stands still while calls are held.
        var due: ContinuousClock.Instant
        var ticket: Ticket
        var expire: @Sendable () -> Void
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        var nextId: UInt64 = 0
        /// No entry is due before this (it may be earlier than the earliest left).
        var earliest: ContinuousClock.Instant?
    }

    private let access: VendorAccess
    private let tick: Duration
    private let state = Mutex(State())

    public init(access: VendorAccess, tick: Duration = .milliseconds(100)) {
        self.access = access
        self.tick = tick
    }

    /// Registers a request that started now; `expire` is called once, from the watch, when
    /// `deadline` has passed first.
    func register(deadline: Duration, expire: @escaping @Sendable () -> Void) -> Ticket {
        let now = ContinuousClock.now
        let due = now + deadline - access.heldTime(at: now)
        return state.withLock { state in
            state.nextId &+= 1
            let ticket = Ticket(id: state.nextId)
            state.entries[ticket.id] = Entry(due: due, ticket: ticket, expire: expire)
            if state.earliest.map({ due < $0 }) ?? true { state.earliest = due }
            return ticket
        }
    }

    /// Forgets a request that ended: from here on it cannot expire, and its ticket says
    /// whether it did.
    func remove(_ ticket: Ticket) {
        _ = state.withLock { $0.entries.removeValue(forKey: ticket.id) }
    }

    /// The requests registered and not yet removed or expired.
    public var count: Int { state.withLock { $0.entries.count } }

    /// Expires the requests due at `now`; nothing while calls are held.
    func expireDue(at now: ContinuousClock.Instant = .now) {
        guard !access.isHeld else { return }
        let standing = now - access.heldTime(at: now)
        let due: [Entry] = state.withLock { state in
            guard let earliest = state.earliest, earliest <= standing else { return [] }
            var dueIds: [UInt64] = []
            var next: ContinuousClock.Instant?
            for (id, entry) in state.entries {
                if entry.due <= standing {
                    dueIds.append(id)
                } else if next.map({ entry.due < $0 }) ?? true {
                    next = entry.due
                }
            }
            state.earliest = next
            // Marked under the lock: a remove that follows sees the final answer.
            return dueIds.compactMap { id in
                let entry = state.entries.removeValue(forKey: id)
                entry?.ticket.markExpired()
                return entry
            }
        }
        for entry in due { entry.expire() }
    }

    /// Expires due requests every tick until the task is cancelled.
    public func watch() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: tick) } catch { return }
            expireDue()
        }
    }
}
