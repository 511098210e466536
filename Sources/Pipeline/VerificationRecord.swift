import Verification
import Foundation

/// Everything one decided request writes, in one transaction: the request, its result, each
/// vendor call and the outbox row that carries `result` to the results topic.
public struct VerificationRecord: Sendable {
    /// The request as received, with the journey that was used (created or given).
    public var request: VerificationRequested
    /// True when the worker created the journey through Create JourneyID.
    public var journeyCreated: Bool
    public var source: IncomingMessage.Coordinates
    public var result: VerificationCompleted
    public var vendorCalls: [VendorCallRecord]
    /// Runs that started on this request, this one included (more than 1 after a crash or a
    /// rebalance took it from another worker).
    public var processingRuns: Int
    /// Runs that reached the vendor, this one included.
    public var vendorRuns: Int
    /// The policy `result` was decided by, stored once per hash (`decision_policies`).
    public var policy: DecisionPolicy
    /// The revision this run re-drove (`okayface-worker redrive`); nil for a first decision.
    public var redriveOf: Int?

    public init(
        request: VerificationRequested, journeyCreated: Bool, source: IncomingMessage.Coordinates,
        result: VerificationCompleted, vendorCalls: [VendorCallRecord], processingRuns: Int = 1, vendorRuns: Int = 0,
        policy: DecisionPolicy = DecisionPolicy(), redriveOf: Int? = nil
    ) {
        self.redriveOf = redriveOf
        self.policy = policy
        self.request = request
        self.journeyCreated = journeyCreated
        self.source = source
        self.result = result
        self.vendorCalls = vendorCalls
        self.processingRuns = processingRuns
        self.vendorRuns = vendorRuns
    }
}

extension IncomingMessage {
    /// Where a message came from, stored with the request.
    public struct Coordinates: Sendable, Equatable {
        public var topic: String
        public var partition: Int32
        public var offset: Int64
        public var receivedAt: Date
    }

    public var coordinates: Coordinates {
        Coordinates(topic: topic, partition: partition, offset: offset, receivedAt: receivedAt)
    }
}
