import Verification
import Foundation

/// A message from the requests topic with its coordinates, free of any Kafka client type.
public struct IncomingMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]
    /// The record had a null payload (a tombstone), not an empty one.
    public var valueIsNull: Bool
    public var receivedAt: Date
    /// The `redrive.of` header (`okayface-worker redrive`): the revision of a retryable decision
    /// this message runs again; nil for a request seen for the first time.
    public var redriveOf: Int?

    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8], valueIsNull: Bool = false,
        receivedAt: Date = Date(), redriveOf: Int? = nil
    ) {
        self.redriveOf = redriveOf
        self.valueIsNull = valueIsNull
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.receivedAt = receivedAt
    }
}
