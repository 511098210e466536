import CRdKafka

/// An error reported by librdkafka, or by this module for a misuse (such as a call after `close()`).
///
/// `code` is the raw value of librdkafka's `rd_kafka_resp_err_t`, so callers can compare it with the
/// constants below without importing the C module.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// Raw `rd_kafka_resp_err_t` value: negative codes are client-side, positive ones come from a broker.
    public let code: Int32
    /// librdkafka's symbolic name for `code`, e.g. `_QUEUE_FULL` or `NOT_LEADER_FOR_PARTITION`.
    public let name: String
    /// What went wrong, in words.
    public let reason: String

    public init(code: Int32, name: String, reason: String) {
        self.code = code
        self.name = name
        self.reason = reason
    }

    public var description: String { "KafkaError(\(name), \(code)): \(reason)" }

    /// Raised by calls made after `close()`.
    public static let destroyedCode = RD_KAFKA_RESP_ERR__DESTROY.rawValue
    /// The local producer queue is full; `KafkaProducer.send` retries this by itself.
    public static let queueFullCode = RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue
    /// The partition is not (or no longer) assigned to this consumer.
    public static let stateCode = RD_KAFKA_RESP_ERR__STATE.rawValue
    /// An invalid configuration property or argument.
    public static let invalidArgumentCode = RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue

    /// The message is larger than the producer's `message.max.bytes` (refused locally) or than
    /// the broker or topic takes (refused by the broker).
    public var isMessageTooLarge: Bool {
        code == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE.rawValue || code == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE.rawValue
    }
}

extension KafkaError {
    /// Builds an error from a librdkafka code, using librdkafka's text when no reason is given.
    init(_ err: rd_kafka_resp_err_t, reason: String? = nil) {
        self.init(
            code: err.rawValue,
            name: String(cString: rd_kafka_err2name(err)),
            reason: reason ?? String(cString: rd_kafka_err2str(err))
        )
    }

    /// Takes ownership of an `rd_kafka_error_t` (as returned by the incremental-assign APIs) and frees it.
    init(consuming error: OpaquePointer) {
        self.init(
            code: rd_kafka_error_code(error).rawValue,
            name: String(cString: rd_kafka_error_name(error)),
            reason: String(cString: rd_kafka_error_string(error))
        )
        rd_kafka_error_destroy(error)
    }

    static let closed = KafkaError(RD_KAFKA_RESP_ERR__DESTROY, reason: "the client is closed")
}
