import Synchronization

/// A queue that several writer tasks drain in batches. A writer takes everything waiting (up
/// to a maximum) in one call, so while writers are busy in a transaction new items pile up and
/// the next transaction carries them all: group commit without an added timer.
final class BatchQueue<Item: Sendable>: Sendable {
    private struct State {
        var items: [Item] = []
        var waiters: [CheckedContinuation<[Item], Never>] = []
        var closed = false
    }

    private let state = Mutex(State())
    private let maxBatch: Int

    init(maxBatch: Int) {
        self.maxBatch = maxBatch
    }

    /// Adds an item; false when the queue is closed.
    @discardableResult
    func push(_ item: Item) -> Bool {
        let handoff: (CheckedContinuation<[Item], Never>, [Item])? = state.withLock { s in
            guard !s.closed else { return nil }
            if !s.waiters.isEmpty {
                return (s.waiters.removeFirst(), [item])
            }
            s.items.append(item)
            return nil
        }
        guard let handoff else {
            return state.withLock { !$0.closed }
        }
        handoff.0.resume(returning: handoff.1)
        return true
    }

    /// Waits for at least one item and returns up to `maxBatch`; empty once closed and drained.
    func take() async -> [Item] {
        await withCheckedContinuation { continuation in
            let ready: [Item]? = state.withLock { s in
                if !s.items.isEmpty {
                    let count = min(maxBatch, s.items.count)
                    let batch = Array(s.items.prefix(count))
                    s.items.removeFirst(count)
                    return batch
                }
                if s.closed { return [] }
                s.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Stops accepting items; waiting takers get an empty batch. Items already queued are
    /// still handed out.
    func close() {
        let waiters = state.withLock { s in
            s.closed = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters { waiter.resume(returning: []) }
    }
}
