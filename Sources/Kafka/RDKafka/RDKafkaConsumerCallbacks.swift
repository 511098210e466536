import CRdKafka

/// The rebalance callback: hands the change to the application and applies it to librdkafka.
///
/// Runs on whichever thread serves the consumer queue: the poll thread, or the closing thread
/// inside `rd_kafka_consumer_close`. Both protocols are handled because operators may override
/// `partition.assignment.strategy`: COOPERATIVE changes the assignment incrementally, EAGER
/// replaces it as a whole.
let consumerRebalanceCallback: @convention(c) (
    OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
) -> Void = { handle, err, partitions, opaque in
    guard let handle, let context = RDKafkaCallbackContext.from(opaque) else { return }
    let changed = RDKafkaTopicPartitionList.partitions(of: partitions)
    let cooperative = rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE"
    let logger = context.logger

    switch err {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        context.hasBeenAssigned.store(true, ordering: .releasing)
        if cooperative {
            if let error = rd_kafka_incremental_assign(handle, partitions) {
                let kafkaError = KafkaError(consuming: error)
                logger.error("incremental assign failed", metadata: ["error": "\(kafkaError)"])
                context.emit(.error(kafkaError))
                return
            }
        } else {
            let assignErr = rd_kafka_assign(handle, partitions)
            if assignErr != RD_KAFKA_RESP_ERR_NO_ERROR {
                logger.error("assign failed", metadata: ["error": "\(KafkaError(assignErr))"])
                context.emit(.error(KafkaError(assignErr)))
                return
            }
        }
        logger.debug("partitions assigned", metadata: ["partitions": "\(changed)", "cooperative": "\(cooperative)"])
        if !changed.isEmpty { context.emit(.partitionsAssigned(changed)) }

    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
        // The handler goes first, so it can still store offsets for these partitions.
        if !changed.isEmpty { context.emit(.partitionsRevoked(changed)) }
        if rd_kafka_assignment_lost(handle) != 0 {
            // Another member may own them already; a commit would fail or clobber its progress.
            logger.warning("assignment lost; stored offsets not committed", metadata: ["partitions": "\(changed)"])
        } else {
            let commitErr = rd_kafka_commit(handle, nil, 0)
            if commitErr != RD_KAFKA_RESP_ERR_NO_ERROR && commitErr != RD_KAFKA_RESP_ERR__NO_OFFSET {
                logger.warning("commit before revoke failed", metadata: ["error": "\(KafkaError(commitErr))"])
                context.emit(.error(KafkaError(commitErr)))
            }
        }
        if cooperative {
            if let error = rd_kafka_incremental_unassign(handle, partitions) {
                logger.error("incremental unassign failed", metadata: ["error": "\(KafkaError(consuming: error))"])
            }
        } else {
            let assignErr = rd_kafka_assign(handle, nil)
            if assignErr != RD_KAFKA_RESP_ERR_NO_ERROR {
                logger.error("unassign failed", metadata: ["error": "\(KafkaError(assignErr))"])
            }
        }
        logger.debug("partitions revoked", metadata: ["partitions": "\(changed)", "cooperative": "\(cooperative)"])

    default:
        // librdkafka's documented fallback for an unexpected rebalance error: drop everything.
        logger.error("rebalance error", metadata: ["error": "\(KafkaError(err))"])
        context.emit(.error(KafkaError(err)))
        _ = rd_kafka_assign(handle, nil)
    }
}

/// The error callback: client-level problems such as all brokers being down. librdkafka keeps
/// retrying these by itself; fatal ones are logged as critical since the handle is then unusable.
let consumerErrorCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
    handle, err, reason, opaque in
    guard let context = RDKafkaCallbackContext.from(opaque) else { return }
    let code = rd_kafka_resp_err_t(rawValue: err)
    let error = KafkaError(code, reason: reason.map { String(cString: $0) })
    if code == RD_KAFKA_RESP_ERR__FATAL {
        context.logger.critical("fatal Kafka client error", metadata: ["error": "\(error)"])
    }
    context.emit(.error(error))
}
