import Postgres

/// Items submitted one at a time by many tasks and written in batches by a few loops: each
/// submitter waits for its own answer. While the loops are busy in a statement new items pile
/// up in the queue, so the next statement carries them all (group commit without a timer).
///
/// `write` gets a batch and answers one result per item, in order; it decides how a batch is
/// split or retried (the store's claims, vendor-run counts and decisions each do it their way).
final class BatchWriter<Item: Sendable, Answer: Sendable>: Sendable {
    typealias Write = @Sendable ([Item]) async -> [Result<Answer, any Error>]

    private struct Pending: Sendable {
        var item: Item
        var continuation: CheckedContinuation<Answer, any Error>
    }

    private let queue: BatchQueue<Pending>
    private let loops: Int
    private let write: Write

    init(maxBatch: Int, loops: Int, write: @escaping Write) {
        queue = BatchQueue(maxBatch: maxBatch)
        self.loops = max(1, loops)
        self.write = write
    }

    /// Queues `item` and waits until its batch was written.
    func submit(_ item: Item) async throws -> Answer {
        try await withCheckedThrowingContinuation { continuation in
            if !queue.push(Pending(item: item, continuation: continuation)) {
                continuation.resume(throwing: PostgresError(message: "result store is closed"))
            }
        }
    }

    /// Runs the loops until `close()` and the queue is drained.
    func run() async {
        await withDiscardingTaskGroup { group in
            for _ in 0..<loops {
                group.addTask { await self.loop() }
            }
        }
    }

    /// Stops taking items; what is queued is still written.
    func close() { queue.close() }

    private func loop() async {
        while true {
            let batch = await queue.take()
            if batch.isEmpty { return }
            let results = await write(batch.map(\.item))
            for (index, pending) in batch.enumerated() {
                let result = index < results.count ? results[index] : .failure(PostgresError(message: "a batch write answered too few results"))
                pending.continuation.resume(with: result)
            }
        }
    }
}
