import Synchronization

/// Tells a poll loop to end; shared between the loop and whoever stops it.
final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    func request() { flag.store(true, ordering: .releasing) }

    var isRequested: Bool { flag.load(ordering: .acquiring) }
}
