import Synchronization

/// One FIFO per Kafka key: many keys run at once, one key never runs two requests at the same
/// time, and requests of one key run in arrival order (docs/architecture.md, "One request's way", 2).
/// Messages without a key carry no ordering promise and always run at once.
public final class KeyedQueue<Item: Sendable>: Sendable {
    private struct State {
        /// Keys with a running item, and the items waiting behind it.
        var waiting: [[UInt8]: [Item]] = [:]
        var queued = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Returns `item` when it may run now; otherwise queues it behind the running item of its
    /// key and returns nil.
    public func submit(key: [UInt8]?, _ item: Item) -> Item? {
        guard let key else { return item }
        return state.withLock { s in
            if s.waiting[key] != nil {
                s.waiting[key]!.append(item)
                s.queued += 1
                return nil
            }
            s.waiting[key] = []
            return item
        }
    }

    /// Called when the running item of `key` finished: returns the next item of that key to
    /// run, or nil when the key is idle.
    public func next(after key: [UInt8]?) -> Item? {
        guard let key else { return nil }
        return state.withLock { s in
            guard var items = s.waiting[key] else { return nil }
            if items.isEmpty {
                s.waiting[key] = nil
                return nil
            }
            let item = items.removeFirst()
            s.waiting[key] = items
            s.queued -= 1
            return item
        }
    }

    /// Items waiting behind a running item of their key.
    public var queued: Int { state.withLock { $0.queued } }

    /// Drops every waiting item (shutdown or revocation); they were never started, so their
    /// offsets stay uncommitted and Kafka redelivers them.
    public func removeAll(where shouldRemove: (Item) -> Bool) -> Int {
        state.withLock { s in
            var removed = 0
            for (key, items) in s.waiting {
                let kept = items.filter { !shouldRemove($0) }
                removed += items.count - kept.count
                s.waiting[key] = kept
            }
            s.queued -= removed
            return removed
        }
    }
}
