import Synchronization

/// At most `limit` holders at a time; the others wait in arrival order. Waiting is
/// cancellable: a cancelled waiter gets `false` and holds nothing.
final class ConcurrencyGate: Sendable {
    private struct State {
        var available: Int
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Bool, Never>)] = []
        var nextId: UInt64 = 0
    }

    private let state: Mutex<State>

    init(limit: Int) {
        state = Mutex(State(available: max(1, limit)))
    }

    /// True once a place is held (give it back with `leave()`); false when cancelled first.
    func enter() async -> Bool {
        let id: UInt64 = state.withLock { s in
            defer { s.nextId += 1 }
            return s.nextId
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now: Bool? = state.withLock { s in
                    if Task.isCancelled { return false }
                    if s.available > 0, s.waiters.isEmpty {
                        s.available -= 1
                        return true
                    }
                    s.waiters.append((id, continuation))
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Bool, Never>? = state.withLock { s in
                guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: false)
        }
    }

    /// Gives a place back, to the longest waiter if any.
    func leave() {
        let next: CheckedContinuation<Bool, Never>? = state.withLock { s in
            if s.waiters.isEmpty {
                s.available += 1
                return nil
            }
            return s.waiters.removeFirst().continuation
        }
        next?.resume(returning: true)
    }
}

/// One place held in a `ConcurrencyGate`, given back at the first `leave()`; later calls do
/// nothing, so the two paths that may release it cannot release it twice.
final class GatePlace: Sendable {
    private let gate: ConcurrencyGate
    private let held = Atomic(true)

    init(_ gate: ConcurrencyGate) { self.gate = gate }

    func leave() {
        if held.exchange(false, ordering: .acquiringAndReleasing) { gate.leave() }
    }
}
