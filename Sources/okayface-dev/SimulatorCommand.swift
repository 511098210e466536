import ArgumentParser
import Foundation
import DevTools
import Logging
import Simulator
import Worker

struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulator", abstract: "Run the OkayFace Plus v1 + Create JourneyID simulator until SIGTERM/SIGINT.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port (0 picks a free one).") var port = 8089
    @Option(help: "Accepted Create JourneyID user.") var username = "demo"
    @Option(help: "Its password.") var password = "demo-password"
    @Option(help: "Time every OkayFace Plus call takes at least (from its arrival), ms.") var latencyMs = 0
    @Option(help: "Random extra latency up to this many ms.") var jitterMs = 0
    @Option(help: "Fraction of OkayFace Plus calls answered with a transient failure (0…1).") var errorRate = 0.0
    @Option(help: "Requests-per-second quota; above it calls get 429 MAX_API_CALL_EXCEEDED.") var maxRps: Double?
    @Option(help: "Write the base URL to this file once listening.") var urlFile: String?
    @Option(help: "Log format: text or json.") var logFormat = "text"

    func run() async throws {
        guard (0...1).contains(errorRate) else { throw ValidationError("--error-rate must be within 0…1") }
        LogSetup.bootstrap(format: logFormat == "json" ? .json : .text, level: .info)
        var configuration = SimulatorConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.credentials = [username: password]
        configuration.latency = .milliseconds(latencyMs)
        configuration.latencyJitter = .milliseconds(jitterMs)
        configuration.transientErrorRate = errorRate
        configuration.maxRequestsPerSecond = maxRps
        let simulator = OkayFaceSimulator(configuration: configuration, logger: Logger(label: "okayface-dev.simulator"))
        _ = try await simulator.start()
        FileHandle.standardOutput.write(Data("simulator listening: \(simulator.baseURL)\n".utf8))
        if let urlFile { try simulator.baseURL.write(toFile: urlFile, atomically: true, encoding: .utf8) }
        await ShutdownSignal.wait()
        await simulator.stop()
    }
}
