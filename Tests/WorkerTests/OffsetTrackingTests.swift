import Pipeline
import Testing
import Worker

struct PartitionOffsetsTests {
    @Test func commitPointAdvancesOnlyOverAContiguousPrefix() {
        var offsets = PartitionOffsets()
        for o in [10, 11, 12, 13] as [Int64] { offsets.begin(o) }
        #expect(offsets.finish(12) == nil)  // 10 and 11 still running
        #expect(offsets.finish(11) == nil)
        #expect(offsets.commitPoint == nil)
        #expect(offsets.finish(10) == 13)   // 10, 11, 12 done → commit 13
        #expect(offsets.inFlight == 1)
        #expect(offsets.finish(13) == 14)
        #expect(offsets.inFlight == 0)
    }

    @Test func gapsInOffsetsAreFine() {
        var offsets = PartitionOffsets()
        offsets.begin(5)
        offsets.begin(9)  // 6–8 were transaction markers or compacted away
        #expect(offsets.finish(9) == nil)
        #expect(offsets.finish(5) == 10)
    }

    @Test func finishingTwiceOrUnknownChangesNothing() {
        var offsets = PartitionOffsets()
        offsets.begin(1)
        offsets.begin(2)
        #expect(offsets.finish(1) == 2)
        #expect(offsets.finish(1) == nil)
        #expect(offsets.finish(77) == nil)
        #expect(offsets.commitPoint == 2)
    }

    @Test func manyOffsetsCompactWithoutLosingTrack() {
        var offsets = PartitionOffsets()
        for o in 0..<5000 as Range<Int64> { offsets.begin(o) }
        for o in stride(from: Int64(4999), through: 1, by: -1) { #expect(offsets.finish(o) == nil) }
        #expect(offsets.finish(0) == 5000)
        offsets.begin(5000)
        #expect(offsets.finish(5000) == 5001)
    }
}

struct OffsetLedgerTests {
    let p0 = OffsetLedger.Partition(topic: "t", partition: 0)

    @Test func revokedPartitionsFinishNothing() {
        let ledger = OffsetLedger()
        ledger.assign(p0)
        let a = ledger.begin(p0, offset: 0)
        ledger.revoke(p0)
        #expect(ledger.finish(a) == nil)
        #expect(ledger.inFlight == 0)
    }

    @Test func staleTicketOfAnEarlierAssignmentIsIgnored() {
        let ledger = OffsetLedger()
        ledger.assign(p0)
        let old = ledger.begin(p0, offset: 7)
        ledger.revoke(p0)
        ledger.assign(p0)
        let fresh = ledger.begin(p0, offset: 7)  // redelivered to us after the rebalance
        #expect(old.generation != fresh.generation)
        #expect(!ledger.isCurrent(old))
        #expect(ledger.isCurrent(fresh))
        #expect(ledger.finish(old) == nil)
        #expect(ledger.commitPoint(p0) == nil)
        #expect(ledger.finish(fresh) == 8)
    }

    @Test func redeliveryBelowTheLastOffsetStartsAfresh() {
        let ledger = OffsetLedger()
        ledger.assign(p0)
        let first = ledger.begin(p0, offset: 3)
        let again = ledger.begin(p0, offset: 3)  // a seek back: the earlier ticket is void
        #expect(ledger.finish(first) == nil)
        #expect(ledger.finish(again) == 4)
    }

    @Test func inFlightCountsAllPartitions() {
        let ledger = OffsetLedger()
        let p1 = OffsetLedger.Partition(topic: "t", partition: 1)
        ledger.assign(p0)
        ledger.assign(p1)
        _ = ledger.begin(p0, offset: 0)
        let b = ledger.begin(p1, offset: 0)
        _ = ledger.begin(p1, offset: 1)
        #expect(ledger.inFlight == 3)
        _ = ledger.finish(b)
        #expect(ledger.inFlight == 2)
    }

    /// The backlog that pauses consumption counts unfinished messages only; finished ones held
    /// back behind a slower lower offset count as uncommitted.
    @Test func unfinishedExcludesFinishedMessagesWaitingBehindALowerOffset() {
        let ledger = OffsetLedger()
        ledger.assign(p0)
        let slow = ledger.begin(p0, offset: 0)
        let tickets = (1...4).map { ledger.begin(p0, offset: Int64($0)) }
        for ticket in tickets { #expect(ledger.finish(ticket) == nil) }
        #expect(ledger.counts.unfinished == 1)
        #expect(ledger.counts.inFlight == 5)
        #expect(ledger.finish(slow) == 5)
        #expect(ledger.counts.unfinished == 0)
        #expect(ledger.counts.inFlight == 0)
        // Finishing twice changes nothing.
        #expect(ledger.finish(slow) == nil)
        #expect(ledger.unfinished == 0)
    }
}

struct KeyedQueueTests {
    @Test func oneKeyRunsOneAtATimeInOrder() {
        let queue = KeyedQueue<Int>()
        let a = Array("a".utf8)
        #expect(queue.submit(key: a, 1) == 1)
        #expect(queue.submit(key: a, 2) == nil)
        #expect(queue.submit(key: a, 3) == nil)
        #expect(queue.submit(key: Array("b".utf8), 4) == 4)  // another key runs at once
        #expect(queue.queued == 2)
        #expect(queue.next(after: a) == 2)
        #expect(queue.next(after: a) == 3)
        #expect(queue.next(after: a) == nil)
        #expect(queue.submit(key: a, 5) == 5)  // idle again
    }

    @Test func messagesWithoutKeyNeverWait() {
        let queue = KeyedQueue<Int>()
        #expect(queue.submit(key: nil, 1) == 1)
        #expect(queue.submit(key: nil, 2) == 2)
        #expect(queue.next(after: nil) == nil)
    }

    @Test func removingWaitingItems() {
        let queue = KeyedQueue<Int>()
        let a = Array("a".utf8)
        _ = queue.submit(key: a, 1)
        _ = queue.submit(key: a, 2)
        _ = queue.submit(key: a, 3)
        #expect(queue.removeAll { $0 == 2 } == 1)
        #expect(queue.next(after: a) == 3)
    }
}

struct RetryPolicyTests {
    @Test func delaysGrowExponentiallyWithinJitterAndCap() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        for _ in 0..<200 {
            let first = policy.delay(afterAttempt: 1)
            #expect(first >= .milliseconds(50) && first <= .milliseconds(100))
            let third = policy.delay(afterAttempt: 3)
            #expect(third >= .milliseconds(200) && third <= .milliseconds(400))
            let capped = policy.delay(afterAttempt: 9)
            #expect(capped >= .milliseconds(500) && capped <= .seconds(1))
        }
    }

    @Test func atLeastOneAttempt() {
        #expect(RetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }
}
