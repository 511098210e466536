import ArgumentParser
import DevTools
import Foundation
import Kafka
import Logging
import Worker

struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Publish verification requests built from local files, or the lines of a JSON-lines file as they are.")

    @Option(help: "Bootstrap servers.") var brokers = "localhost:9092"
    @Option(help: "Requests topic.") var topic = WorkerConfiguration.defaultRequestTopic
    @Option(help: "JSON-lines file to publish line by line ('-' for stdin).") var file: String?
    @Option(help: "ID card face image.") var idCard: String?
    @Option(help: "Selfie image.") var best: String?
    @Option(help: "OkayCam SDK bundle.") var sdk: String?
    @Option(help: "requestId (default: random UUID; with --count, a suffix -N is added).") var requestId: String?
    @Option(help: "journeyId (default: none, so the worker creates one).") var journeyId: String?
    @Option(help: "subject") var subject: String?
    @Option(help: "How many requests to publish.") var count = 1

    func run() async throws {
        LogSetup.bootstrap(format: .text, level: .warning)
        let producer = try KafkaProducer(properties: ["bootstrap.servers": brokers], logger: Logger(label: "okayface-dev.submit"))
        defer { producer.close() }
        let submitter = RequestSubmitter(producer: producer, topic: topic)

        if let file {
            let text: String
            if file == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                text = try String(contentsOfFile: file, encoding: .utf8)
            }
            let published = try await submitter.publishLines(text)
            print("published \(published) messages to \(topic)")
            return
        }
        guard let idCard, let best, let sdk else {
            throw ValidationError("give --file, or all of --id-card, --best and --sdk")
        }
        let base = requestId ?? UUID().uuidString.lowercased()
        for i in 0..<count {
            let id = count == 1 ? base : "\(base)-\(i + 1)"
            let value = RequestSubmitter.event(
                requestId: id, journeyId: journeyId, idCard: idCard, best: best, mobileSdkData: sdk, subject: subject)
            try await submitter.publish(value, key: Array(id.utf8))
        }
        print("published \(count) request(s) to \(topic)")
    }
}
