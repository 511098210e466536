/// One request of a bench run as measured. Times are seconds since the run's first publish;
/// the ones the worker wrote to PostgreSQL (wall clock) are brought onto the same axis.
public struct BenchRequest: Sendable {
    public var requestId: String
    /// When the bench handed it to the Kafka producer.
    public var publishedAt: Double
    /// When its first result event reached the bench's consumer of the results topic.
    public var resultAt: Double?
    public var decision: String?
    /// Sum of `vendor_calls.duration_ms` over the request's vendor calls (journey and OkayFace Plus).
    public var vendorMs: Double?
    public var vendorCalls = 0
    /// `verification_requests.received_at`: the worker's consumer got the message.
    public var receivedAt: Double?
    /// Start of the first vendor call, and end of the last one.
    public var vendorStartAt: Double?
    public var vendorEndAt: Double?
    /// `verification_results.processed_at`: the decision was made (before its transaction).
    public var decidedAt: Double?
    /// `outbox.created_at`: the start of the transaction that stored the decision (group commit).
    public var writeStartedAt: Double?

    public init(requestId: String, publishedAt: Double) {
        self.requestId = requestId
        self.publishedAt = publishedAt
    }

    public var endToEndMs: Double? { resultAt.map { ($0 - publishedAt) * 1000 } }
    /// End to end minus vendor time: what the worker, Kafka and PostgreSQL added.
    public var addedMs: Double? { endToEndMs.map { $0 - (vendorMs ?? 0) } }

    /// Where the end-to-end time went, in milliseconds; nil where a stamp is missing.
    public var kafkaInMs: Double? { span(publishedAt, receivedAt) }
    public var beforeVendorMs: Double? { span(receivedAt, vendorStartAt) }
    public var afterVendorMs: Double? { span(vendorEndAt, decidedAt) }
    public var decidedToWriteMs: Double? { span(decidedAt, writeStartedAt) }
    public var writeToResultMs: Double? { span(writeStartedAt, resultAt) }

    private func span(_ from: Double?, _ to: Double?) -> Double? {
        guard let from, let to else { return nil }
        return (to - from) * 1000
    }
}
