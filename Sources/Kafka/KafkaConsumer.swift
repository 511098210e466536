import Blocking
import CRdKafka
import Logging
import Synchronization

/// A member of a Kafka consumer group with at-least-once offset handling.
///
/// Offsets are never stored automatically (`enable.auto.offset.store=false`): the application
/// calls `storeOffset` once everything below an offset is durable, and librdkafka's auto-commit
/// (or `commitStored`) commits only what was stored.
///
/// One dedicated thread polls librdkafka and calls the handler for every event, in order. The
/// handler must not block: heartbeats and `max.poll.interval.ms` depend on the loop. Use
/// `pause`/`resume` for backpressure rather than stalling the handler.
///
/// `close()` may be called from any thread, including from the handler. From another thread it
/// stops and joins the poll thread and then shuts down on the caller's thread (revocation events
/// raised by `rd_kafka_consumer_close` are delivered there, still never concurrently with the
/// poll thread). From the handler it returns at once and the poll thread shuts down when the
/// handler returns. Call `close()` before dropping the consumer: the running poll thread keeps it alive.
public final class KafkaConsumer: Sendable {
    private let client: RDKafkaClient
    private let logger: Logger
    private let state = Mutex(ConsumerStateMachine())
    private let stop = StopSignal()
    /// Subscribed with cooperative-sticky, which needs `awaitFirstAssignment` before closing.
    private let usesCooperativeSticky: Bool

    /// `properties` are librdkafka properties (bootstrap.servers, group.id, plus anything the operator passes).
    /// Forced: enable.auto.offset.store=false. Defaults unless given: enable.auto.commit=true,
    /// auto.offset.reset=earliest, partition.assignment.strategy=cooperative-sticky.
    /// Invalid property → throws KafkaError naming the property and librdkafka's message.
    /// Subscribes to `topics` at once (so a bad subscription throws here); the group join runs in
    /// the background, and its events reach the handler once `start` is called. With no topics the
    /// consumer only serves `committedOffsets` and `watermarks`.
    public init(properties: [String: String], topics: [String], logger: Logger) throws(KafkaError) {
        let merged = RDKafkaConfig.merge(
            properties,
            defaults: [
                "enable.auto.commit": "true",
                "auto.offset.reset": "earliest",
                "partition.assignment.strategy": "cooperative-sticky",
            ],
            forced: ["enable.auto.offset.store": "false"]
        )
        let context = RDKafkaCallbackContext(logger: logger)
        let client = try RDKafkaClient(kind: .consumer, properties: merged, context: context) { conf in
            rd_kafka_conf_set_rebalance_cb(conf, consumerRebalanceCallback)
            rd_kafka_conf_set_error_cb(conf, consumerErrorCallback)
        }
        // One queue for messages, rebalances, errors and logs, all served by the poll thread.
        rd_kafka_poll_set_consumer(client.handle)

        if !topics.isEmpty {
            let list = RDKafkaTopicPartitionList(capacity: topics.count)
            for topic in topics { list.add(KafkaTopicPartition(topic: topic, partition: RD_KAFKA_PARTITION_UA)) }
            let err = rd_kafka_subscribe(client.handle, list.pointer)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                client.destroy()
                throw KafkaError(err, reason: "subscribe to \(topics) failed: \(String(cString: rd_kafka_err2str(err)))")
            }
        }
        self.client = client
        self.logger = logger
        usesCooperativeSticky =
            !topics.isEmpty && merged["partition.assignment.strategy", default: ""].contains("cooperative-sticky")
    }

    deinit {
        // Only reachable when the poll thread never ran (it keeps the consumer alive).
        close()
    }

    /// Starts a dedicated poll thread (rd_kafka_consumer_poll with a short timeout, e.g. 100 ms).
    /// `handler` is called on that thread, in order, for every event; it must not block.
    /// A second call is ignored.
    public func start(handler: @escaping @Sendable (KafkaConsumerEvent) -> Void) {
        state.withLock { machine in
            switch machine.start() {
            case .ignore(let reason):
                logger.debug("KafkaConsumer.start ignored", metadata: ["reason": "\(reason)"])
            case .startPolling:
                client.context.eventHandler.withLock { $0 = .init(handler) }
                // Created under the lock so a concurrent close() always finds the thread to join.
                let thread = JoinableThread(name: "rdk-consumer") { self.pollLoop() }
                machine.pollThreadStarted(thread)
            }
        }
    }

    /// rd_kafka_offsets_store for one partition; `next` is the next offset to consume (last done + 1). Callable from any thread.
    /// Storing for a partition no longer assigned throws (`KafkaError.stateCode` or an unknown-partition error).
    public func storeOffset(_ tp: KafkaTopicPartition, next: Int64) throws(KafkaError) {
        try client.withHandle { handle throws(KafkaError) in
            let list = RDKafkaTopicPartitionList()
            list.add(tp, offset: next)
            var err = rd_kafka_offsets_store(handle, list.pointer)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR, let partitionErr = list.elements.first?.error {
                err = partitionErr
            }
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                let error = KafkaError(err, reason: "cannot store offset \(next) for \(tp): \(String(cString: rd_kafka_err2str(err)))")
                logger.debug("offset not stored", metadata: ["error": "\(error)"])
                throw error
            }
        }
    }

    /// rd_kafka_pause_partitions, any thread. Fetching stops; the group membership is unaffected.
    /// Do not call it from the `partitionsAssigned` handler: librdkafka 2.0.2 can lose a
    /// pause issued right after an incremental assign (librdkafka#2190); pause once a message
    /// of the partition arrived instead.
    public func pause(_ partitions: [KafkaTopicPartition]) {
        changeFetching(partitions, pause: true)
    }

    /// rd_kafka_resume_partitions, any thread.
    public func resume(_ partitions: [KafkaTopicPartition]) {
        changeFetching(partitions, pause: false)
    }

    private func changeFetching(_ partitions: [KafkaTopicPartition], pause: Bool) {
        guard !partitions.isEmpty else { return }
        do {
            try client.withHandle { handle in
                let list = RDKafkaTopicPartitionList(partitions)
                let err = pause ? rd_kafka_pause_partitions(handle, list.pointer) : rd_kafka_resume_partitions(handle, list.pointer)
                // The call succeeds as a whole even when single partitions fail; report those too.
                let failed = list.elements.filter { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }
                if err != RD_KAFKA_RESP_ERR_NO_ERROR || !failed.isEmpty {
                    logger.warning(
                        "\(pause ? "pause" : "resume") failed",
                        metadata: [
                            "error": "\(KafkaError(err != RD_KAFKA_RESP_ERR_NO_ERROR ? err : failed[0].error))",
                            "partitions": "\(failed.isEmpty ? partitions : failed.map(\.partition))",
                        ]
                    )
                }
            }
        } catch {
            logger.debug("\(pause ? "pause" : "resume") after close ignored")
        }
    }

    /// The partitions currently assigned to this member; empty once closed.
    public func assignment() -> [KafkaTopicPartition] {
        (try? client.withHandle { handle in
            var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
            guard rd_kafka_assignment(handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
            defer { rd_kafka_topic_partition_list_destroy(list) }
            return RDKafkaTopicPartitionList.partitions(of: list)
        }) ?? []
    }

    /// Synchronous commit of the stored offsets (rd_kafka_commit(rk, NULL, 0)); "no offset" is not an error.
    public func commitStored() throws(KafkaError) {
        try client.withHandle { handle throws(KafkaError) in
            let err = BlockingCall.around("rd_kafka_commit") { rd_kafka_commit(handle, nil, 0) }
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET else {
                throw KafkaError(err)
            }
        }
    }

    /// The group's committed offsets (next offset to consume) for `partitions`, asked of the
    /// coordinator; partitions without a commit are left out. For lag metrics and tests.
    public func committedOffsets(
        _ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)
    ) throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        return try client.withHandle { handle throws(KafkaError) in
            let list = RDKafkaTopicPartitionList(partitions)
            let err = BlockingCall.around("rd_kafka_committed") { rd_kafka_committed(handle, list.pointer, timeout.milliseconds) }
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err) }
            var result: [KafkaTopicPartition: Int64] = [:]
            for e in list.elements where e.error == RD_KAFKA_RESP_ERR_NO_ERROR && e.offset >= 0 {
                result[e.partition] = e.offset
            }
            return result
        }
    }

    /// Whether some broker answers a metadata request within `timeout`: the readiness probe's
    /// view of Kafka. Blocks the caller up to `timeout`, so call it from a thread of your own.
    public func brokersReachable(timeout: Duration) -> Bool {
        let reachable = try? client.withHandle { handle throws(KafkaError) -> Bool in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = BlockingCall.around("rd_kafka_metadata") { rd_kafka_metadata(handle, 0, nil, &metadata, timeout.milliseconds) }
            if let metadata { rd_kafka_metadata_destroy(metadata) }
            return err == RD_KAFKA_RESP_ERR_NO_ERROR
        }
        return reachable ?? false
    }

    /// Low and high watermarks of a partition, asked of its leader; `high - committed` is the lag.
    public func watermarks(
        _ tp: KafkaTopicPartition, timeout: Duration = .seconds(10)
    ) throws(KafkaError) -> (low: Int64, high: Int64) {
        return try client.withHandle { handle throws(KafkaError) in
            var low: Int64 = -1
            var high: Int64 = -1
            let err = BlockingCall.around("rd_kafka_query_watermark_offsets") {
                rd_kafka_query_watermark_offsets(handle, tp.topic, tp.partition, &low, &high, timeout.milliseconds)
            }
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err) }
            return (low, high)
        }
    }

    /// Stops and joins the poll thread, commits stored offsets, rd_kafka_consumer_close (leaves the group at once), destroys. Idempotent.
    /// Blocks for the commit and LeaveGroup round trips, so call it from a thread that may block.
    /// Called from the handler it only requests this; the poll thread does it after the handler returns.
    public func close() {
        let action = state.withLock { $0.close(callerThreadID: JoinableThread.currentID) }
        switch action {
        case .none:
            return
        case .stopAndLetPollThreadShutDown:
            stop.request()
        case .shutDownHere:
            BlockingCall.around("rd_kafka_consumer_close") { shutDown() }
        case .stopJoinAndShutDown(let thread):
            stop.request()
            BlockingCall.around("rd_kafka_consumer_close") {
                thread.join()
                shutDown()
            }
        }
    }

    private func pollLoop() {
        let myID = JoinableThread.currentID
        state.withLock { $0.pollThreadRunning(id: myID) }
        let handle = client.handle  // the handle outlives this loop: shutDown runs after it ends
        while !stop.isRequested {
            guard let message = rd_kafka_consumer_poll(handle, 100) else { continue }
            let event = Self.event(for: message)
            rd_kafka_message_destroy(message)
            if let event { client.context.emit(event) }
        }
        // A close() from the handler left the shutdown to this thread; nobody will join it.
        if let thread = state.withLock({ $0.pollLoopEnded() }) {
            shutDown()
            thread.detach()
        }
    }

    private static func event(for message: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaConsumerEvent? {
        let err = message.pointee.err
        if err == RD_KAFKA_RESP_ERR_NO_ERROR { return .message(KafkaMessage(copying: message)) }
        if err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return nil }  // only with enable.partition.eof; not news
        let text = rd_kafka_message_errstr(message).map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(err))
        return .error(KafkaError(err, reason: text))
    }

    /// Commit, leave the group, destroy. Runs once, on exactly one thread, after polling stopped.
    private func shutDown() {
        let handle = client.handle
        let destroyIsSafe = awaitFirstAssignment(handle)
        let err = rd_kafka_commit(handle, nil, 0)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET {
            logger.warning("commit on close failed", metadata: ["error": "\(KafkaError(err))"])
        }
        // Revokes the assignment through the rebalance callback (so the handler still sees
        // partitionsRevoked and may store offsets), commits, and sends LeaveGroup.
        let closeErr = rd_kafka_consumer_close(handle)
        if closeErr != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("rd_kafka_consumer_close failed", metadata: ["error": "\(KafkaError(closeErr))"])
        }
        client.context.eventHandler.withLock { $0 = nil }
        // A cooperative-sticky member that was never assigned is never destroyed, whatever its
        // protocol reads now: a JoinGroup response can still land after the last look, even
        // inside rd_kafka_destroy, and then the destroy aborts the process. Looking again after
        // the close narrowed that window but did not shut it (a fresh-clone CI run aborted in
        // rd_kafka_sticky_assignor_state_destroy). The handle is closed and has left the group;
        // leaking it costs its idle threads, once, in a process that is about to end.
        if destroyIsSafe && everAssignedOrNotCooperative {
            client.destroy()
        } else {
            // Not the operator's concern: the process is ending and the handle has left the group.
            logger.debug("not destroying a consumer handle that was never assigned (librdkafka 2.0.2 could abort)")
            client.abandon()
        }
        state.withLock { $0.shutDownFinished() }
    }
}

extension KafkaConsumer {
    /// Works around a librdkafka 2.0.2 abort (`assert(assignor_state)` in the sticky assignor,
    /// librdkafka #4312, fixed in 2.3): destroying a cooperative-sticky member after its JoinGroup
    /// response but before its first successful SyncGroup kills the process. Such a member (its
    /// protocol already reads COOPERATIVE, yet it was never assigned) keeps polling for up to
    /// 10 s until the assignment arrives; records polled meanwhile are dropped unstored, so the
    /// group redelivers them. Before the JoinGroup response the protocol reads NONE; such a
    /// member is closed at once, and `shutDown` leaks rather than destroys it, because the
    /// response may still land while it is destroyed.
    ///
    /// Returns whether the member is out of the window (assigned, or the protocol is not
    /// cooperative).
    private func awaitFirstAssignment(_ handle: OpaquePointer) -> Bool {
        func assigned() -> Bool { client.context.hasBeenAssigned.load(ordering: .acquiring) }
        guard !destroyIsSafeNow(handle) else { return true }
        logger.debug("closing during the first rebalance; waiting for the assignment first")
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while !assigned() && ContinuousClock.now < deadline {
            guard let message = rd_kafka_consumer_poll(handle, 100) else { continue }
            rd_kafka_message_destroy(message)
        }
        return assigned()
    }

    /// The group's rebalance protocol as librdkafka reports it: `NONE` until the first JoinGroup
    /// response, then `COOPERATIVE` or `EAGER`; nil once the consumer is closed.
    public var rebalanceProtocol: String? {
        let name: String?? = try? client.withHandle { handle in rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } }
        return name ?? nil
    }

    /// True once a first assignment arrived, or when the sticky assignor is not used: then
    /// `rd_kafka_destroy` cannot meet the missing assignor state.
    private var everAssignedOrNotCooperative: Bool {
        !usesCooperativeSticky || client.context.hasBeenAssigned.load(ordering: .acquiring)
    }

    /// False while the member is in the window where `rd_kafka_destroy` aborts: cooperative
    /// protocol chosen, never assigned.
    private func destroyIsSafeNow(_ handle: OpaquePointer) -> Bool {
        guard usesCooperativeSticky, !client.context.hasBeenAssigned.load(ordering: .acquiring) else { return true }
        return rd_kafka_rebalance_protocol(handle).map({ String(cString: $0) }) != "COOPERATIVE"
    }
}

extension Duration {
    /// Milliseconds for librdkafka's `int timeout_ms` parameters, clamped.
    var milliseconds: Int32 {
        let (seconds, attoseconds) = components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
