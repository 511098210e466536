import Blocking
import CRdKafka
import Logging
import Synchronization

/// Publishes records and reports each one's delivery.
///
/// Idempotent by default (`enable.idempotence=true`, `acks=all`), so librdkafka's retries neither
/// duplicate nor reorder records within a partition. A dedicated thread serves delivery reports
/// (rd_kafka_poll), which resume the waiting `send` calls.
public final class KafkaProducer: Sendable {
    private let client: RDKafkaClient
    private let logger: Logger
    private let stop = StopSignal()
    private let pollThread: JoinableThread
    private let closeStarted = Atomic<Bool>(false)

    /// Defaults unless given: enable.idempotence=true, acks=all, linger.ms=5. Runs its own thread calling rd_kafka_poll for delivery reports.
    /// Invalid property → throws KafkaError naming the property and librdkafka's message.
    public init(properties: [String: String], logger: Logger) throws(KafkaError) {
        let merged = RDKafkaConfig.merge(
            properties,
            defaults: ["enable.idempotence": "true", "acks": "all", "linger.ms": "5"]
        )
        let client = try RDKafkaClient(
            kind: .producer, properties: merged, context: RDKafkaCallbackContext(logger: logger)
        ) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, producerDeliveryCallback)
            rd_kafka_conf_set_error_cb(conf, producerErrorCallback)
        }
        self.client = client
        self.logger = logger
        // The loop holds the client and the signal, not `self`, so dropping the producer still closes it.
        let stop = self.stop
        pollThread = JoinableThread(name: "rdk-producer") {
            while !stop.isRequested { rd_kafka_poll(client.handle, 100) }
        }
    }

    deinit { close() }

    /// Produces one message and returns only after its delivery report: success → (partition, offset); failure → throws.
    /// The partition is chosen by librdkafka's partitioner from the key.
    /// On RD_KAFKA_RESP_ERR__QUEUE_FULL it waits briefly and retries instead of failing.
    public func send(
        topic: String, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader] = []
    ) async throws(KafkaError) -> (partition: Int32, offset: Int64) {
        try await produce(topic: topic, partition: nil, key: key, value: value, headers: headers)
    }

    /// Like `send(topic:key:value:headers:)`, into an explicit partition.
    public func send(
        topic: String, partition: Int32, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader] = []
    ) async throws(KafkaError) -> (partition: Int32, offset: Int64) {
        try await produce(topic: topic, partition: partition, key: key, value: value, headers: headers)
    }

    private func produce(
        topic: String, partition: Int32?, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader]
    ) async throws(KafkaError) -> (partition: Int32, offset: Int64) {
        while true {
            let outcome = await withCheckedContinuation { continuation in
                let deliveries = client.context.deliveries
                // Registered before producing: the report may arrive before produceva returns.
                let id = deliveries.register(continuation)
                let arguments = RDKafkaProduceArguments(
                    topic: topic, partition: partition, key: key, value: value, headers: headers, opaque: id
                )
                do throws(KafkaError) {
                    try client.withHandle { handle in
                        let values = arguments.values
                        guard let error = values.withUnsafeBufferPointer({ rd_kafka_produceva(handle, $0.baseAddress, $0.count) }) else {
                            return  // enqueued; the delivery report completes it
                        }
                        if rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                            rd_kafka_error_destroy(error)
                            deliveries.complete(id, with: .queueFull)
                        } else {
                            deliveries.complete(id, with: .failed(KafkaError(consuming: error)))
                        }
                    }
                } catch {
                    deliveries.complete(id, with: .failed(error))
                }
            }
            switch outcome {
            case .delivered(let partition, let offset):
                return (partition, offset)
            case .failed(let error):
                throw error
            case .queueFull:
                // The queue drains as the poll thread serves delivery reports.
                guard !Task.isCancelled else {
                    throw KafkaError(RD_KAFKA_RESP_ERR__QUEUE_FULL, reason: "producer queue full and the sending task was cancelled")
                }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    /// rd_kafka_flush; returns false when messages remain after the timeout. True once closed
    /// (nothing remains: close() failed whatever was pending).
    public func flush(timeout: Duration) -> Bool {
        return (try? client.withHandle { handle in BlockingCall.around("rd_kafka_flush") { rd_kafka_flush(handle, timeout.milliseconds) } == RD_KAFKA_RESP_ERR_NO_ERROR }) ?? true
    }

    /// Flushes for up to 2 s, fails what is still pending, stops the poll thread and destroys the
    /// handle. Idempotent; pending sends fail with an error, never hang.
    public func close() {
        close(flushTimeout: .seconds(2))
    }

    /// `close()` with a chosen flush timeout.
    public func close(flushTimeout: Duration) {
        guard !closeStarted.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // From here new sends fail at once; this thread alone keeps using the handle until destroy.
        client.refuseNewCalls()
        let handle = client.handle
        if BlockingCall.around("rd_kafka_flush (close)", { rd_kafka_flush(handle, flushTimeout.milliseconds) }) != RD_KAFKA_RESP_ERR_NO_ERROR {
            let pending = rd_kafka_outq_len(handle)
            logger.warning("producer closing with undelivered messages; failing them", metadata: ["pending": "\(pending)"])
            // Purged messages get delivery reports with a purge error, served by the next flush.
            _ = rd_kafka_purge(handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
            _ = BlockingCall.around("rd_kafka_flush (close)") { rd_kafka_flush(handle, 500) }
        }
        stop.request()
        BlockingCall.around("rd_kafka_destroy (producer)") {
            pollThread.join()
            client.destroy()
        }
        // Whatever never got a report (none, normally) must not wait forever.
        client.context.deliveries.failAll(with: KafkaError.closed)
    }
}

/// Delivery report: resumes the `send` whose id travels in the message's opaque.
private let producerDeliveryCallback: @convention(c) (
    OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?
) -> Void = { _, message, opaque in
    guard let message, let context = RDKafkaCallbackContext.from(opaque) else { return }
    let m = message.pointee
    let id = UInt(bitPattern: m._private)
    if m.err == RD_KAFKA_RESP_ERR_NO_ERROR {
        context.deliveries.complete(id, with: .delivered(partition: m.partition, offset: m.offset))
    } else {
        context.deliveries.complete(id, with: .failed(KafkaError(m.err)))
    }
}

/// Client-level producer errors are only logged: each send fails or succeeds on its own report.
private let producerErrorCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
    _, err, reason, opaque in
    guard let context = RDKafkaCallbackContext.from(opaque) else { return }
    let error = KafkaError(rd_kafka_resp_err_t(rawValue: err), reason: reason.map { String(cString: $0) })
    let fatal = err == RD_KAFKA_RESP_ERR__FATAL.rawValue
    context.logger.log(level: fatal ? .critical : .warning, "Kafka producer error", metadata: ["error": "\(error)"])
}
