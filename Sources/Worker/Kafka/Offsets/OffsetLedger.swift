import Synchronization

/// The `PartitionOffsets` of every assigned partition, shared by the poll thread (which begins
/// offsets) and the request tasks (which finish them).
///
/// Each assignment of a partition gets a new generation; a task that finishes an offset of an
/// earlier generation (its partition was revoked and assigned again meanwhile) changes nothing,
/// so a stale task can never move the commit point of the new owner's messages.
public final class OffsetLedger: Sendable {
    /// Identifies one partition of one topic.
    public struct Partition: Hashable, Sendable {
        public var topic: String
        public var partition: Int32
        public init(topic: String, partition: Int32) {
            self.topic = topic
            self.partition = partition
        }
    }

    /// What a task needs to finish its offset later.
    public struct Ticket: Sendable, Hashable {
        public var partition: Partition
        public var generation: UInt64
        public var offset: Int64
    }

    private struct Entry {
        var generation: UInt64
        var offsets = PartitionOffsets()
        /// Being handed over: nothing new starts, what runs may still finish and commit.
        var draining = false
    }

    private struct State {
        var entries: [Partition: Entry] = [:]
        var nextGeneration: UInt64 = 1
    }

    private let state = Mutex(State())

    public init() {}

    /// Starts tracking a partition afresh (on assignment, or when its offsets restart lower).
    public func assign(_ partition: Partition) {
        state.withLock { s in
            s.entries[partition] = Entry(generation: s.nextGeneration)
            s.nextGeneration += 1
        }
    }

    /// Stops tracking a partition; tickets of it finish nothing from now on.
    public func revoke(_ partition: Partition) {
        _ = state.withLock { $0.entries.removeValue(forKey: partition) }
    }

    /// Records a started offset. A partition not assigned yet, or an offset not above the last
    /// one seen (a seek or redelivery), starts a new generation.
    public func begin(_ partition: Partition, offset: Int64) -> Ticket {
        state.withLock { s in
            if var entry = s.entries[partition], entry.offsets.acceptsNext(offset) {
                entry.offsets.begin(offset)
                s.entries[partition] = entry
                return Ticket(partition: partition, generation: entry.generation, offset: offset)
            }
            var entry = Entry(generation: s.nextGeneration)
            s.nextGeneration += 1
            entry.offsets.begin(offset)
            s.entries[partition] = entry
            return Ticket(partition: partition, generation: entry.generation, offset: offset)
        }
    }

    /// Marks a ticket durable; returns the partition's new commit point when it advanced.
    public func finish(_ ticket: Ticket) -> Int64? {
        state.withLock { s in
            guard var entry = s.entries[ticket.partition], entry.generation == ticket.generation else { return nil }
            let point = entry.offsets.finish(ticket.offset)
            s.entries[ticket.partition] = entry
            return point
        }
    }

    /// False once the ticket's partition was revoked or assigned again: its message belongs to
    /// another owner (or a later delivery) now.
    public func isCurrent(_ ticket: Ticket) -> Bool {
        state.withLock { $0.entries[ticket.partition]?.generation == ticket.generation }
    }

    /// Whether the ticket's message may start: current, and its partition not being handed over.
    public func mayStart(_ ticket: Ticket) -> Bool {
        state.withLock { s in
            guard let entry = s.entries[ticket.partition] else { return false }
            return entry.generation == ticket.generation && !entry.draining
        }
    }

    /// Starts handing a partition over: no new message of it starts; finishes still count.
    public func drain(_ partition: Partition) {
        state.withLock { $0.entries[partition]?.draining = true }
    }

    /// The commit point of a partition, if any offset finished in its current generation.
    public func commitPoint(_ partition: Partition) -> Int64? {
        state.withLock { $0.entries[partition]?.offsets.commitPoint }
    }

    /// Messages begun and not yet finished, over all partitions.
    public var unfinished: Int { counts.unfinished }

    /// `unfinished` and `inFlight` read together.
    public var counts: (unfinished: Int, inFlight: Int) {
        state.withLock { s in
            s.entries.values.reduce((0, 0)) { ($0.0 + $1.offsets.unfinished, $0.1 + $1.offsets.inFlight) }
        }
    }

    /// Messages begun and not yet committable (unfinished, or finished behind an unfinished
    /// one), over all partitions.
    public var inFlight: Int {
        state.withLock { $0.entries.values.reduce(0) { $0 + $1.offsets.inFlight } }
    }
}

extension PartitionOffsets {
    /// Whether `offset` can follow the offsets begun so far.
    fileprivate func acceptsNext(_ offset: Int64) -> Bool {
        guard let last = lastBegun else { return commitPoint.map { offset >= $0 } ?? true }
        return offset > last
    }
}
