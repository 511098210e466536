/// A Kafka record header. A `nil` value is a header present with a null value, which Kafka
/// distinguishes from an empty one.
public struct KafkaHeader: Sendable, Equatable {
    public let key: String
    public let value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}
