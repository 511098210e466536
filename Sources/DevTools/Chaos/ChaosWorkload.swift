import Foundation
import Kafka

/// The requests of a chaos run, planned up front so the verification knows exactly what was
/// sent: mostly valid VerificationRequested events over the sample images, keyed by customer
/// (so many keys run at once and each key's requests run in order), and a few invalid ones
/// that must end in the DLQ.
struct ChaosWorkload: Sendable {
    struct Message: Sendable {
        var requestId: String
        var key: [UInt8]
        var value: [UInt8]
        var valid: Bool
    }

    /// In publishing order, valid and invalid mixed.
    var messages: [Message]

    var validIds: [String] { messages.filter(\.valid).map(\.requestId) }
    var invalid: [Message] { messages.filter { !$0.valid } }

    /// `count` messages of which `invalidCount` are invalid; request ids start with `prefix`.
    static func plan(count: Int, invalidCount: Int, samples: String, prefix: String, random: ChaosRandom) -> ChaosWorkload {
        let customers = max(1, count / 4)
        let invalidAt = Set(Self.positions(invalidCount, of: count, random: random))
        var messages: [Message] = []
        messages.reserveCapacity(count)
        for n in 0..<count {
            let requestId = "\(prefix)-\(n)"
            let customer = "customer-\(random.int(in: 0...(customers - 1)))"
            let key = Array(customer.utf8)
            if invalidAt.contains(n) {
                messages.append(Message(
                    requestId: requestId, key: key, value: invalidEvent(requestId, kind: n, samples: samples), valid: false))
                continue
            }
            let person = random.int(in: 1...4)
            // One in eight selfies shows someone else: a rejection.
            let selfie = random.int(in: 0...7) == 0 ? person % 4 + 1 : person
            let sdk = random.int(in: 0...3) == 0 ? "sdk/approve.json" : "sdk/okaycam.bin"
            let value = RequestSubmitter.event(
                requestId: requestId, journeyId: nil,
                idCard: "\(samples)/images/person\(person)-idcard.png",
                best: "\(samples)/images/person\(selfie)-selfie.png",
                mobileSdkData: "\(samples)/\(sdk)",
                subject: customer)
            messages.append(Message(requestId: requestId, key: key, value: value, valid: true))
        }
        return ChaosWorkload(messages: messages)
    }

    /// Three kinds in turn: not JSON, a missing required field, not an object. Each carries its
    /// request id in its bytes, so its DLQ copy can be matched byte for byte.
    private static func invalidEvent(_ requestId: String, kind: Int, samples: String) -> [UInt8] {
        switch kind % 3 {
        case 0:
            return Array("chaos: not JSON \(requestId) {".utf8)
        case 1:
            let missingSdk = #"{"schemaVersion":1,"requestId":"\#(requestId)","images":{"idCard":"file://\#(samples)/images/person1-idcard.png","best":"file://\#(samples)/images/person1-selfie.png"}}"#
            return Array(missingSdk.utf8)
        default:
            return Array(#"["\#(requestId)"]"#.utf8)
        }
    }

    private static func positions(_ k: Int, of n: Int, random: ChaosRandom) -> [Int] {
        var all = Array(0..<n)
        for i in 0..<min(k, n) { all.swapAt(i, random.int(in: i...(n - 1))) }
        return Array(all.prefix(k))
    }

    /// Publishes every message in order, at `rate` per second when given (see ``PacedPublisher``).
    func publish(producer: KafkaProducer, topic: String, rate: Double?) async throws {
        let messages = self.messages
        try await PacedPublisher(producer: producer, topic: topic, rate: rate)
            .publish(count: messages.count) { (messages[$0].key, messages[$0].value) }
    }
}
