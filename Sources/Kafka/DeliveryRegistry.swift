import Synchronization

/// The sends waiting for a delivery report, keyed by the id passed to librdkafka as the
/// message's opaque.
///
/// An integer id instead of a retained Swift object as the opaque means a report that never
/// comes (the handle is destroyed) leaks nothing: `failAll` resumes whatever is left.
final class DeliveryRegistry: Sendable {
    enum Outcome: Sendable {
        case delivered(partition: Int32, offset: Int64)
        case failed(KafkaError)
        /// librdkafka's local queue was full; nothing was enqueued and the send should retry.
        case queueFull
    }

    private struct State {
        var nextID: UInt = 1  // 0 would be a null opaque
        var waiting: [UInt: CheckedContinuation<Outcome, Never>] = [:]
    }

    private let state = Mutex(State())

    func register(_ continuation: CheckedContinuation<Outcome, Never>) -> UInt {
        state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.waiting[id] = continuation
            return id
        }
    }

    /// Resumes the send registered under `id`, if it is still waiting.
    func complete(_ id: UInt, with outcome: Outcome) {
        let continuation = state.withLock { $0.waiting.removeValue(forKey: id) }
        continuation?.resume(returning: outcome)
    }

    func failAll(with error: KafkaError) {
        let waiting = state.withLock { state in
            defer { state.waiting = [:] }
            return state.waiting
        }
        for continuation in waiting.values { continuation.resume(returning: .failed(error)) }
    }
}
