import Blocking
import CRdKafka
import Logging

/// librdkafka's built-in mock cluster: real Kafka protocol on loopback TCP ports, with fault injection.
///
/// For tests and local development. The cluster lives on a private producer handle; point
/// consumers and producers at `bootstrapServers`. Brokers are numbered 1...`brokers`.
/// With librdkafka 2.0.2 it serves (and KafkaTests exercise) produce with the idempotent
/// producer (InitProducerId), fetch, consumer groups with both rebalance protocols, OffsetCommit
/// and OffsetFetch, watermarks, and auto-creation of unknown topics with 4 partitions.
public final class KafkaMockCluster: Sendable {
    private let client: RDKafkaClient
    // Used only inside `client.withHandle`, and destroyed in `client.destroy(beforeDestroy:)`
    // after every borrow has ended.
    private let cluster: MockClusterPointer
    private let logger: Logger

    /// The cluster's `bootstrap.servers` string, e.g. `127.0.0.1:37017,127.0.0.1:41211`.
    public let bootstrapServers: String

    /// rd_kafka_mock_cluster_new on a private producer handle.
    ///
    /// `debug` is librdkafka's `debug` property for that handle: `mock` logs what the mock
    /// brokers do (a member joining or leaving a group, say) to `logger` at debug level.
    public init(brokers: Int = 3, debug: String? = nil, logger: Logger) throws(KafkaError) {
        // The handle never produces; keep it from logging about missing brokers.
        var properties = ["bootstrap.servers": "", "log.connection.close": "false"]
        if let debug { properties["debug"] = debug }
        let client = try RDKafkaClient(
            kind: .producer,
            properties: properties,
            context: RDKafkaCallbackContext(logger: logger)
        )
        guard let cluster = BlockingCall.around("rd_kafka_mock_cluster_new", { rd_kafka_mock_cluster_new(client.handle, Int32(clamping: brokers)) }) else {
            client.destroy()
            throw KafkaError(RD_KAFKA_RESP_ERR__FAIL, reason: "rd_kafka_mock_cluster_new failed")
        }
        self.client = client
        self.cluster = MockClusterPointer(pointer: cluster)
        self.logger = logger
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit { close() }

    /// Creates a topic; fails if it exists. Without this the mock cluster auto-creates topics on
    /// first use with its default partition count.
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws(KafkaError) {
        let cluster = self.cluster.pointer
        try client.withHandle { _ throws(KafkaError) in
            let err = BlockingCall.around("rd_kafka_mock_topic_create") { rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor) }
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(err, reason: "create topic \(name): \(String(cString: rd_kafka_err2str(err)))")
            }
        }
    }

    /// Takes a broker off the network: its connections close and new ones are refused.
    public func setBrokerDown(_ brokerId: Int32) {
        check("set broker \(brokerId) down") { rd_kafka_mock_broker_set_down($0, brokerId) }
    }

    public func setBrokerUp(_ brokerId: Int32) {
        check("set broker \(brokerId) up") { rd_kafka_mock_broker_set_up($0, brokerId) }
    }

    /// Makes `brokerId` the leader of one partition, e.g. to know which broker to take down.
    public func setPartitionLeader(topic: String, partition: Int32, brokerId: Int32) {
        check("set leader of \(topic)[\(partition)] to \(brokerId)") {
            rd_kafka_mock_partition_set_leader($0, topic, partition, brokerId)
        }
    }

    /// rd_kafka_mock_push_request_errors_array: the next `errors.count` requests of `apiKey` fail with those error codes.
    public func pushRequestErrors(apiKey: Int16, errors: [Int32]) {
        let cluster = self.cluster.pointer
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
        do {
            try client.withHandle { _ in
                codes.withUnsafeBufferPointer {
                    rd_kafka_mock_push_request_errors_array(cluster, apiKey, $0.count, $0.baseAddress)
                }
            }
        } catch {
            logger.debug("pushRequestErrors after close ignored")
        }
    }

    /// Stops the brokers and destroys the private handle. Idempotent.
    public func close() {
        let cluster = self.cluster.pointer
        BlockingCall.around("rd_kafka_mock_cluster_destroy") { client.destroy(beforeDestroy: { _ in rd_kafka_mock_cluster_destroy(cluster) }) }
    }

    private func check(_ what: String, _ body: (OpaquePointer) -> rd_kafka_resp_err_t) {
        let cluster = self.cluster.pointer
        do {
            try client.withHandle { _ in
                let err = body(cluster)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    logger.warning("mock cluster: \(what) failed", metadata: ["error": "\(KafkaError(err))"])
                }
            }
        } catch {
            logger.debug("mock cluster: \(what) after close ignored")
        }
    }
}

/// The `rd_kafka_mock_cluster_t` pointer.
// @unchecked: the mock cluster's API is thread-safe (calls are posted to its own thread), and
// `KafkaMockCluster` never uses the pointer after `close()` destroyed it (see `RDKafkaClient.withHandle`).
struct MockClusterPointer: @unchecked Sendable {
    let pointer: OpaquePointer
}
