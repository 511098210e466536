import DevTools
import Foundation
import TestSupport
import Testing
import Verification
import Worker

/// `compose.yaml` through a real compose parser (Debian's docker-compose `config`, installed by
/// `scripts/test`), and the worker settings it gives checked by the worker's own loader;
/// the Dockerfile's promises (two stages, the three C libraries, a non-root user, a health
/// check) read from the file. No Docker engine is needed or used.
@Suite(.timeLimit(.minutes(2)), .offCooperativePool)
struct DeploymentFilesTests {
    /// Runs `executable` in the project's root; its exit status and standard output.
    func run(_ executable: String, _ arguments: [String], input: String? = nil) async throws -> (Int32, String) {
        let run = try await CommandRun.run(executable, arguments, input: input, directory: TestStack.root)
        return (run.status, run.out)
    }

    @Test func composeFileParsesAndGivesTheWorkerValidSettings() async throws {
        let compose = "/usr/bin/docker-compose"
        #expect(FileManager.default.isExecutableFile(atPath: compose), "install docker-compose (scripts/test does)")
        let (status, resolved) = try await run(compose, ["-f", "compose.yaml", "config"])
        #expect(status == 0)
        // docker-compose is Python with PyYAML: the same interpreter turns its output into JSON.
        let (converted, json) = try await run(
            "/usr/bin/python3", ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"], input: resolved)
        #expect(converted == 0)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let services = try #require(root["services"] as? [String: [String: Any]])
        #expect(Set(services.keys) == ["kafka", "kafka-topics", "postgres", "s3", "s3-bucket", "simulator", "migrate", "worker", "console"])

        let kafka = try #require(services["kafka"]?["environment"] as? [String: Any])
        #expect(kafka["KAFKA_PROCESS_ROLES"] as? String == "broker,controller")  // KRaft, no ZooKeeper
        #expect(services["migrate"]?["command"] as? [String] == ["migrate"])
        let worker = try #require(services["worker"])
        #expect((worker["deploy"] as? [String: Any])?["replicas"] as? Int == 3)
        let dependsOn = try #require(worker["depends_on"] as? [String: [String: String]])
        #expect(dependsOn["migrate"]?["condition"] == "service_completed_successfully")

        // The worker's environment, with the secrets' paths pointed at the demo files, loads.
        func withDemoSecrets(_ given: [String: String]) -> [String: String] {
            var environment = given
            for (key, value) in environment where value.hasPrefix("/run/secrets/") {
                let name = String(value.dropFirst("/run/secrets/".count))
                environment[key] = TestStack.root + "/deploy/secrets/" + name.replacingOccurrences(of: "_", with: "-")
            }
            return environment
        }
        let configuration = try WorkerConfiguration.load(withDemoSecrets(try #require(worker["environment"] as? [String: String])))
        #expect(configuration.kafka.brokers == "kafka:9092")
        #expect(configuration.remoteImages.s3?.endpoint == "http://s3:9000")
        #expect(configuration.databaseURL.hasPrefix("postgresql://okayface:"))

        // The console's environment loads too, with the same database.
        let consoleService = try #require(services["console"])
        #expect(consoleService["command"] as? [String] == ["console"])
        let console = try ConsoleConfiguration.load(withDemoSecrets(try #require(consoleService["environment"] as? [String: String])))
        #expect(console.port == 8081 && console.fourEyes == .approvals && console.databaseURL == configuration.databaseURL)
    }

    @Test func dockerfileBuildsInSwiftAndRunsSlimAndUnprivileged() throws {
        let text = try String(contentsOfFile: TestStack.root + "/Dockerfile", encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let stages = lines.filter { $0.hasPrefix("FROM ") }
        #expect(stages.count == 2)
        #expect(stages.first?.hasPrefix("FROM swift:6.3") == true)
        #expect(stages.last?.hasPrefix("FROM debian:bookworm-slim") == true)
        for library in ["librdkafka1", "libcurl4", "libpq5"] { #expect(text.contains(library)) }
        #expect(lines.contains { $0.hasPrefix("USER ") && !$0.hasPrefix("USER root") && !$0.hasPrefix("USER 0") })
        #expect(lines.contains { $0.hasPrefix("HEALTHCHECK ") })
        #expect(lines.contains("ENTRYPOINT [\"okayface-worker\"]"))
    }
}
