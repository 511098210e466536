import Pipeline
import Foundation
import Kafka
import Logging
import Verification

/// `okayface-dev submit`: publishes verification requests to the requests topic.
///
/// Either builds requests from local image files (as `file://` URIs), or publishes the lines
/// of a JSON-lines file byte for byte, which is how invalid events reach the DLQ in demos.
public struct RequestSubmitter: Sendable {
    public var producer: KafkaProducer
    public var topic: String

    public init(producer: KafkaProducer, topic: String) {
        self.producer = producer
        self.topic = topic
    }

    /// A VerificationRequested v1 event for images on this machine.
    public static func event(
        requestId: String, journeyId: String?, idCard: String, best: String, mobileSdkData: String, subject: String?,
        imageSha256: [String: String] = [:]
    ) -> [UInt8] {
        var object: [String: Any] = [
            "schemaVersion": 1,
            "requestId": requestId,
            "images": ["idCard": fileURI(idCard), "best": fileURI(best), "mobileSdkData": fileURI(mobileSdkData)],
            "requestedAt": Timestamp.format(Date()),
        ]
        if let journeyId { object["journeyId"] = journeyId }
        if let subject { object["subject"] = subject }
        if !imageSha256.isEmpty { object["imageSha256"] = imageSha256 }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return Array(data)
    }

    /// `file://` + the absolute path; paths already given as URIs are kept.
    public static func fileURI(_ path: String) -> String {
        if path.contains("://") { return path }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return "file://" + URL(fileURLWithPath: absolute).standardizedFileURL.path
    }

    /// The Kafka key for a line: its requestId when it has one, else none.
    public static func key(for value: [UInt8]) -> [UInt8]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any],
              let id = object["requestId"] as? String, !id.isEmpty
        else { return nil }
        return Array(id.utf8)
    }

    /// Publishes one value and waits for Kafka's acknowledgement.
    public func publish(_ value: [UInt8], key: [UInt8]? = nil) async throws {
        _ = try await producer.send(topic: topic, key: key ?? Self.key(for: value), value: value)
    }

    /// Publishes every non-empty line of `text`; returns how many.
    public func publishLines(_ text: String) async throws -> Int {
        var count = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            try await publish(Array(trimmed.utf8))
            count += 1
        }
        return count
    }
}
