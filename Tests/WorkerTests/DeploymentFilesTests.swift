import DevTools
import Foundation
import TestSupport
import Testing
import Verification
import Worker

/// `compose.yaml` through a real compose parser (Debian's docker-compose `config`, installed by
/// `scripts/test`), and the worker settings it gives checked by the worker's own loader;
/// the Dockerfile's promises (two stages, the three C libraries, a non-root user, a health
/// check) read from the file; `deploy/kubernetes` built with `kubectl kustomize`, validated
/// strictly against Kubernetes 1.33 (kubernetes-validate), its promises read from the built
/// objects and the worker's environment there loaded by the worker's loader. No Docker
/// engine and no cluster are needed or used.
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

    @Test func kubernetesManifestsBuildValidateAndKeepTheirPromises() async throws {
        guard let kubectl = TestServices.value("OKAYFACE_TEST_KUBECTL"), let validate = TestServices.value("OKAYFACE_TEST_KUBERNETES_VALIDATE"),
              let python = TestServices.value("OKAYFACE_TEST_PYTHON")
        else {
            Issue.record("OKAYFACE_TEST_KUBECTL, OKAYFACE_TEST_KUBERNETES_VALIDATE and OKAYFACE_TEST_PYTHON are not set: run the tests through scripts/test or swift test, which install them")
            return
        }
        let (built, manifests) = try await run(kubectl, ["kustomize", "deploy/kubernetes"])
        #expect(built == 0)
        let file = NSTemporaryDirectory() + "okayface-kubernetes-\(ProcessInfo.processInfo.processIdentifier).yaml"
        try manifests.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let validation = try await CommandRun.run(validate, ["--strict", "--kubernetes-version", "1.33.0", "--quiet", file], directory: TestStack.root)
        #expect(validation.status == 0, "\(validation.out)\(validation.err)")
        // Every built-in kind has a schema; only KEDA's ScaledObject (a custom resource) has none.
        let unchecked = (validation.out + validation.err).split(separator: "\n").filter { $0.contains("Couldn't find schema") }
        #expect(unchecked.count == 1 && unchecked.allSatisfy { $0.contains("kind ScaledObject") }, "\(unchecked)")

        let (converted, json) = try await run(
            python, ["-c", "import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(sys.stdin))))"], input: manifests)
        #expect(converted == 0)
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        func object(_ kind: String, _ name: String) throws -> [String: Any] {
            try #require(objects.first { $0["kind"] as? String == kind && ($0["metadata"] as? [String: Any])?["name"] as? String == name }, "\(kind) \(name)")
        }
        func path(_ value: Any?, _ keys: String...) -> Any? {
            keys.reduce(value) { current, key in
                if let index = Int(key) { return (current as? [Any]).flatMap { index < $0.count ? $0[index] : nil } }
                return (current as? [String: Any])?[key]
            }
        }
        #expect(Set(objects.compactMap { $0["kind"] as? String }) == [
            "ConfigMap", "Job", "Deployment", "Service", "PodDisruptionBudget", "ScaledObject", "NetworkPolicy",
        ])
        #expect(objects.allSatisfy { path($0, "metadata", "namespace") as? String == "okayface" })
        let settings = try #require(path(try object("ConfigMap", "okayface-worker"), "data") as? [String: String])

        // Worker, console and migrate Job: unprivileged, read-only, nothing to escalate to.
        for (kind, name) in [("Deployment", "okayface-worker"), ("Deployment", "okayface-console"), ("Job", "okayface-migrate")] {
            let pod = path(try object(kind, name), "spec", "template", "spec")
            #expect(path(pod, "securityContext", "runAsNonRoot") as? Bool == true, "\(name)")
            #expect((path(pod, "securityContext", "runAsUser") as? Int ?? 0) > 0, "\(name)")
            #expect(path(pod, "automountServiceAccountToken") as? Bool == false, "\(name)")
            let containers = try #require(path(pod, "containers") as? [[String: Any]])
            for container in containers {
                #expect(path(container, "securityContext", "allowPrivilegeEscalation") as? Bool == false, "\(name)")
                #expect(path(container, "securityContext", "readOnlyRootFilesystem") as? Bool == true, "\(name)")
                #expect(path(container, "securityContext", "capabilities", "drop") as? [String] == ["ALL"], "\(name)")
                #expect(path(container, "resources", "requests", "cpu") != nil && path(container, "resources", "requests", "memory") != nil, "\(name)")
                #expect(path(container, "resources", "limits", "memory") != nil, "\(name)")
                // Secrets are files (`*_FILE`), never values in the environment.
                let env = path(container, "env") as? [[String: Any]] ?? []
                #expect(!env.contains { ($0["name"] as? String).map { ["DATABASE_URL", "OKAYFACE_PASSWORD", "AWS_SECRET_ACCESS_KEY"].contains($0) } ?? false }, "\(name)")
                #expect(env.contains { $0["name"] as? String == "DATABASE_URL_FILE" }, "\(name)")
            }
            let volumes = path(pod, "volumes") as? [[String: Any]] ?? []
            #expect(volumes.contains { path($0, "secret", "secretName") as? String == "okayface-secrets" }, "\(name)")
        }
        #expect(path(try object("Job", "okayface-migrate"), "spec", "template", "spec", "containers", "0", "args") as? [String] == ["migrate"])

        let worker = try object("Deployment", "okayface-worker")
        let pod = path(worker, "spec", "template", "spec")
        let container = path(pod, "containers", "0")
        #expect(path(container, "args") as? [String] == ["run"])
        #expect(path(container, "livenessProbe", "httpGet", "path") as? String == "/livez")
        #expect(path(container, "readinessProbe", "httpGet", "path") as? String == "/readyz")
        #expect(path(container, "startupProbe", "httpGet", "path") as? String == "/livez")
        let workerLabels = try #require(path(worker, "spec", "selector", "matchLabels") as? [String: String])

        // A container's environment as the cluster gives it (the ConfigMap, then its own
        // values), secrets and the spool folder pointed at the demo files and a scratch folder.
        let mounted = "/var/run/secrets/okayface/"
        func clusterEnvironment(of container: Any?) -> [String: String] {
            var environment = settings
            for variable in path(container, "env") as? [[String: Any]] ?? [] {
                guard let name = variable["name"] as? String, let value = variable["value"] as? String else { continue }
                environment[name] = value.hasPrefix(mounted) ? TestStack.root + "/deploy/secrets/" + value.dropFirst(mounted.count) : value
            }
            #expect(environment["IMAGE_SPOOL_DIR"] == "/spool")
            environment["IMAGE_SPOOL_DIR"] = NSTemporaryDirectory()
            return environment
        }
        let environment = clusterEnvironment(of: container)
        let configuration = try WorkerConfiguration.load(environment)
        #expect(configuration.kafka.groupId == "okayface-worker")
        #expect(configuration.fleetMaxRPS == 20)
        let grace = try #require(path(pod, "terminationGracePeriodSeconds") as? Int)
        #expect(Duration.seconds(grace) > configuration.shutdownGrace + .seconds(5), "termination grace \(grace) s, shutdown grace \(configuration.shutdownGrace)")
        #expect(path(container, "ports", "0", "containerPort") as? Int == configuration.httpPort)
        #expect(path(pod, "volumes") is [[String: Any]] && (path(container, "volumeMounts") as? [[String: Any]] ?? []).contains { $0["mountPath"] as? String == "/spool" })

        // The console: its own Deployment and Service; its environment loads too.
        let console = try object("Deployment", "okayface-console")
        let consoleContainer = path(console, "spec", "template", "spec", "containers", "0")
        #expect(path(consoleContainer, "args") as? [String] == ["console"])
        let consoleConfiguration = try ConsoleConfiguration.load(clusterEnvironment(of: consoleContainer))
        #expect(path(consoleContainer, "ports", "0", "containerPort") as? Int == consoleConfiguration.port)
        #expect(path(consoleContainer, "readinessProbe", "httpGet", "path") as? String == "/readyz")
        let service = try object("Service", "okayface-console")
        #expect(path(service, "spec", "selector") as? [String: String] == path(console, "spec", "selector", "matchLabels") as? [String: String])
        #expect(path(service, "spec", "ports", "0", "targetPort") as? String == "http")

        // Drains take one worker at a time.
        let budget = try object("PodDisruptionBudget", "okayface-worker")
        #expect(path(budget, "spec", "selector", "matchLabels") as? [String: String] == workerLabels)
        #expect(path(budget, "spec", "maxUnavailable") as? Int == 1)

        // KEDA: the worker Deployment, on the group's lag on the requests topic, never above
        // the topic's partitions (compose.yaml creates 6).
        let scaled = try object("ScaledObject", "okayface-worker")
        #expect(path(scaled, "spec", "scaleTargetRef", "name") as? String == "okayface-worker")
        let maxReplicas = try #require(path(scaled, "spec", "maxReplicaCount") as? Int)
        #expect(maxReplicas >= 1 && maxReplicas <= 6)
        #expect(path(scaled, "spec", "triggers", "0", "type") as? String == "kafka")
        let trigger = try #require(path(scaled, "spec", "triggers", "0", "metadata") as? [String: String])
        #expect(trigger["consumerGroup"] == configuration.kafka.groupId && trigger["topic"] == configuration.kafka.requestTopic)
        #expect(trigger["bootstrapServers"] == configuration.kafka.brokers && trigger["allowIdleConsumers"] == "false")
        #expect(Int(trigger["lagThreshold"] ?? "") != nil)

        // NetworkPolicy: the worker takes nothing but its health port, and says where it may go.
        let policy = try object("NetworkPolicy", "okayface-worker")
        #expect(path(policy, "spec", "podSelector", "matchLabels") as? [String: String] == workerLabels)
        #expect(Set(path(policy, "spec", "policyTypes") as? [String] ?? []) == ["Ingress", "Egress"])
        let ingressPorts = (path(policy, "spec", "ingress") as? [[String: Any]] ?? []).flatMap { $0["ports"] as? [[String: Any]] ?? [] }
        #expect(ingressPorts.compactMap { $0["port"] as? Int } == [configuration.httpPort])
        let egressPorts = Set((path(policy, "spec", "egress") as? [[String: Any]] ?? []).flatMap { $0["ports"] as? [[String: Any]] ?? [] }.compactMap { $0["port"] as? Int })
        #expect(egressPorts.isSuperset(of: [53, 9092, 5432, 443]))
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
