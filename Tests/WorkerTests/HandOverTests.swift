import Foundation
import InMemoryLogging
import TestSupport
import Testing

/// Two worker processes in one group: a replica stopped with SIGTERM leaves the group at once
/// (the coordinator sees its LeaveGroup before the process exits), the other owns its
/// partitions after one rebalance rather than after a session timeout, and a restarted
/// replica gets its share back.
@Suite(.timeLimit(.minutes(3)), .offCooperativePool)
struct HandOverTests {
    /// The longest a hand-over may take here. librdkafka's mock coordinator completes every
    /// rebalance that a join or leave started only after the session timeout less 1 s (5 s with
    /// the worker's default of 6 s; a broker completes it once every member rejoined); with
    /// librdkafka's default session timeout (45 s) the hand-over took 44 s. Generous, so a
    /// loaded machine does not fail it; the figures are printed.
    static let bound = Duration.seconds(15)

    @Test func aStoppedReplicaLeavesAtOnceAndTheOtherOwnsItsPartitions() async throws {
        let cluster = InMemoryLogHandler()
        let stack = try await TestStack(partitions: 4, clusterLog: cluster)
        let all: Set<Int32> = [0, 1, 2, 3]
        let overrides = ["LOG_LEVEL": "info", "LOG_FORMAT": "json"]
        let logA = stack.scratch + "/a.log", logB = stack.scratch + "/b.log", logA2 = stack.scratch + "/a2.log"
        let a = try CrashRecoveryTests.launch(stack, overrides, log: logA)
        let b = try CrashRecoveryTests.launch(stack, overrides, log: logB)
        try await stack.waitUntil("the two replicas to share the 4 partitions", timeout: .seconds(60)) {
            let (ownedA, ownedB) = (Self.owned(logA), Self.owned(logB))
            return !ownedA.isEmpty && !ownedB.isEmpty && ownedA.union(ownedB) == all && ownedA.isDisjoint(with: ownedB)
        }
        let leavesBefore = cluster.count("is leaving group")

        let stoppedAt = ContinuousClock.now
        a.terminate()
        await a.exited()
        #expect(a.terminationStatus == 0)
        // It said goodbye (LeaveGroup) rather than let the coordinator time it out, which the
        // mock would log as "session timed out".
        try await stack.waitUntil("the coordinator to see the stopped replica's LeaveGroup", timeout: .seconds(30)) {
            cluster.count("is leaving group") > leavesBefore
        }
        #expect(!cluster.contains("session timed out"))
        try await stack.waitUntil("the remaining replica to own every partition", timeout: .seconds(60)) {
            Self.owned(logB) == all
        }
        let handOver = ContinuousClock.now - stoppedAt
        #expect(handOver < Self.bound, "hand-over took \(handOver); see \(logB)")

        let restartedAt = ContinuousClock.now
        let a2 = try CrashRecoveryTests.launch(stack, overrides, log: logA2)
        try await stack.waitUntil("the restarted replica to get its share", timeout: .seconds(60)) {
            let (ownedA2, ownedB) = (Self.owned(logA2), Self.owned(logB))
            return !ownedA2.isEmpty && ownedA2.union(ownedB) == all && ownedA2.isDisjoint(with: ownedB)
        }
        let rejoin = ContinuousClock.now - restartedAt
        // Cooperative-sticky takes two rebalances to move a partition (revoke, then assign).
        #expect(rejoin < Self.bound * 2, "the restarted replica waited \(rejoin) for partitions; see \(logA2)")
        print("hand-over after SIGTERM: \(handOver); a restarted replica owned partitions after \(rejoin)")

        for worker in [b, a2] { worker.terminate() }
        for worker in [b, a2] {
            await worker.exited()
            #expect(worker.terminationStatus == 0)
        }
        await stack.close()
    }

    /// The request partitions a worker owns now, replayed from the "partitions assigned" and
    /// "partitions revoked" lines of its JSON log (cooperative: each names what changed).
    static func owned(_ log: String) -> Set<Int32> {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        var owned: Set<Int32> = []
        for line in text.split(separator: "\n") {
            guard let data = line.data(using: .utf8),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let message = object["msg"] as? String, let partitions = object["partitions"] as? String
            else { continue }
            let numbers = partitions.matches(of: /\[(\d+)\]/).compactMap { Int32($0.output.1) }
            if message == "partitions assigned" { owned.formUnion(numbers) }
            if message == "partitions revoked" { owned.subtract(numbers) }
        }
        return owned
    }
}
