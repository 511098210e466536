/// The offsets of one partition that are in flight, and the commit point below which every
/// message is durable.
///
/// Kafka hands out a partition's messages in increasing offset order, but they finish in any
/// order (different keys run at once). Only the contiguous finished prefix may be committed:
/// committing past an unfinished offset would lose it on a crash.
public struct PartitionOffsets: Sendable {
    /// Offsets begun, oldest first, with whether each is finished. Entries before `head` are
    /// consumed; the storage is compacted as the head advances.
    private var offsets: [Int64] = []
    private var finished: [Bool] = []
    private var head = 0

    /// The next offset to commit (last contiguous finished offset + 1), if any finished yet.
    public private(set) var commitPoint: Int64?

    public init() {}

    /// Offsets begun and not yet committable: unfinished ones, and finished ones waiting
    /// behind a lower unfinished one.
    public var inFlight: Int { offsets.count - head }

    /// Offsets begun and not finished.
    public private(set) var unfinished = 0

    /// The highest offset begun, finished or not.
    public var lastBegun: Int64? { offsets.last ?? commitPoint.map { $0 - 1 } }

    /// Records that `offset` started. Offsets must arrive in increasing order.
    public mutating func begin(_ offset: Int64) {
        precondition(offsets.last.map { offset > $0 } ?? true, "offsets must increase within a partition")
        offsets.append(offset)
        finished.append(false)
        unfinished += 1
    }

    /// Records that `offset` is durable; returns the new commit point when it advanced.
    @discardableResult
    public mutating func finish(_ offset: Int64) -> Int64? {
        guard let index = position(of: offset) else { return nil }
        finished[index] = true
        unfinished -= 1
        guard index == head else { return nil }
        while head < offsets.count, finished[head] {
            commitPoint = offsets[head] + 1
            head += 1
        }
        compactIfWorthIt()
        return commitPoint
    }

    /// Binary search: offsets are sorted.
    private func position(of offset: Int64) -> Int? {
        var low = head
        var high = offsets.count - 1
        while low <= high {
            let mid = (low + high) / 2
            if offsets[mid] == offset { return finished[mid] ? nil : mid }
            if offsets[mid] < offset { low = mid + 1 } else { high = mid - 1 }
        }
        return nil
    }

    private mutating func compactIfWorthIt() {
        guard head > 1024, head * 2 > offsets.count else { return }
        offsets.removeFirst(head)
        finished.removeFirst(head)
        head = 0
    }
}
