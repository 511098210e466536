import Pipeline
import DevTools
import Foundation
import TestSupport
import Testing
import Verification
import Worker

/// Settings: defaults, parsing, and the one-line errors that stop start-up.
@Suite(.offCooperativePool)
struct WorkerConfigurationTests {
    let minimal = [
        "DATABASE_URL": "postgresql://u@127.0.0.1:5432/db",
        "OKAYFACE_BASE_URL": "https://ekycportaldemo.innov8tif.com",
        "OKAYFACE_USERNAME": "user",
        "OKAYFACE_PASSWORD": "secret",
        "IMAGE_ALLOWED_PREFIXES": "file:///data/kyc/",
    ]

    func error(_ values: [String: String]) -> ConfigurationError? {
        do {
            _ = try WorkerConfiguration.load(values)
            return nil
        } catch {
            return error
        }
    }

    @Test func defaultsFollowTheDesign() throws {
        let c = try WorkerConfiguration.load(minimal)
        #expect(c.kafka.brokers == "localhost:9092")
        #expect(c.kafka.groupId == "okayface-worker")
        #expect(c.kafka.requestTopic == "okayface.verification.requests")
        #expect(c.kafka.resultTopic == "okayface.verification.results")
        #expect(c.kafka.dlqTopic == "okayface.verification.requests.dlq")
        #expect(c.okayFace.timeout == .seconds(30))
        #expect(c.vendorRetry.maxAttempts == 5)
        #expect(c.maxInFlight == 64)
        #expect(c.thresholds == .init(faceConfidence: 75, liveness: 0.5, captureLiveness: 0.5))
        #expect(c.httpPort == 8080)
        #expect(c.logLevel == .info)
        #expect(c.logFormat == .json)
        #expect(c.requestDeadline == .seconds(300))
        #expect(c.maxProcessingRuns == 5)
        #expect(c.rebalanceGrace == .seconds(10))
        #expect(c.circuitBreaker == .init(failureThreshold: 10, openDuration: .seconds(1), maxOpenDuration: .seconds(30)))
        #expect(c.vendorRateLimit == nil)
    }

    @Test func vendorRateLimit() throws {
        var values = minimal
        values["OKAYFACE_MAX_RPS"] = "12.5"
        #expect(try WorkerConfiguration.load(values).vendorRateLimit == RateLimit(requestsPerSecond: 12.5, burst: 1))
        values["OKAYFACE_BURST"] = "5"
        #expect(try WorkerConfiguration.load(values).vendorRateLimit == RateLimit(requestsPerSecond: 12.5, burst: 5))
        values["OKAYFACE_MAX_RPS"] = nil  // a burst without a rate limits nothing: refused, not ignored
        #expect(error(values)?.variable == "OKAYFACE_BURST")
    }

    @Test func kafkaConfigVariablesBecomeLibrdkafkaProperties() throws {
        var values = minimal
        values["KAFKA_CONFIG_SECURITY_PROTOCOL"] = "SASL_SSL"
        values["KAFKA_CONFIG_SASL_MECHANISMS"] = "PLAIN"
        values["KAFKA_CONFIG_SESSION_TIMEOUT_MS"] = "6000"
        let c = try WorkerConfiguration.load(values)
        #expect(c.consumerProperties["security.protocol"] == "SASL_SSL")
        #expect(c.consumerProperties["sasl.mechanisms"] == "PLAIN")
        #expect(c.consumerProperties["session.timeout.ms"] == "6000")
        #expect(c.producerProperties["security.protocol"] == "SASL_SSL")
        #expect(c.producerProperties["session.timeout.ms"] == nil)  // consumer-only
        #expect(c.producerProperties["group.id"] == nil)
    }

    /// librdkafka itself checks each property at load time: a typo is one line naming the variable.
    @Test func unknownOrMalformedKafkaPropertiesAreNamed() {
        var values = minimal
        values["KAFKA_CONFIG_FOO_BAR"] = "1"
        #expect(error(values)?.description
            == "configuration error: KAFKA_CONFIG_FOO_BAR is refused by librdkafka (foo.bar): No such configuration property: \"foo.bar\"")
        values["KAFKA_CONFIG_FOO_BAR"] = nil
        values["KAFKA_CONFIG_SESSION_TIMEOUT_MS"] = "soon"
        #expect(error(values)?.variable == "KAFKA_CONFIG_SESSION_TIMEOUT_MS")
    }

    /// A file holding `text` and a newline, as secret files are written; the caller removes it.
    func secretFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("okf-secret-\(UUID().uuidString)").path
        try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func kafkaSecretsComeFromFiles() throws {
        let path = try secretFile("kafka-secret-value")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var values = minimal
        values["KAFKA_CONFIG_SASL_PASSWORD_FILE"] = path
        values["KAFKA_CONFIG_SASL_USERNAME"] = "worker"
        let c = try WorkerConfiguration.load(values)
        #expect(c.consumerProperties["sasl.password"] == "kafka-secret-value")
        #expect(c.producerProperties["sasl.password"] == "kafka-secret-value")
        #expect(c.consumerProperties["sasl.password.file"] == nil)
        values["KAFKA_CONFIG_SASL_PASSWORD"] = "direct"
        #expect(error(values)?.description
            == "configuration error: KAFKA_CONFIG_SASL_PASSWORD and KAFKA_CONFIG_SASL_PASSWORD_FILE are both set; set one")
        values["KAFKA_CONFIG_SASL_PASSWORD"] = nil
        values["KAFKA_CONFIG_SASL_PASSWORD_FILE"] = "/nonexistent/sasl"
        #expect(error(values)?.variable == "KAFKA_CONFIG_SASL_PASSWORD_FILE")
    }

    @Test func circuitPauseMustNotExceedItsCap() {
        var values = minimal
        values["OKAYFACE_CIRCUIT_OPEN_MS"] = "60000"
        #expect(error(values)?.description
            == "configuration error: OKAYFACE_CIRCUIT_OPEN_MS (60000) must not exceed OKAYFACE_CIRCUIT_MAX_OPEN_MS (30000)")
        values["OKAYFACE_CIRCUIT_MAX_OPEN_MS"] = "60000"
        #expect(error(values) == nil)
    }

    @Test(arguments: ["DATABASE_URL", "OKAYFACE_BASE_URL", "OKAYFACE_USERNAME", "OKAYFACE_PASSWORD", "IMAGE_ALLOWED_PREFIXES"])
    func missingRequiredSettingIsNamed(_ name: String) {
        var values = minimal
        values[name] = nil
        let e = error(values)
        #expect(e?.variable == name)
        #expect(e?.description.hasPrefix("configuration error: \(name) ") == true)
        #expect(e?.description.contains("\n") == false)
    }

    @Test(arguments: [
        ("OKAYFACE_TIMEOUT_MS", "abc"), ("OKAYFACE_TIMEOUT_MS", "-5"), ("OKAYFACE_MAX_ATTEMPTS", "0"),
        ("WORKER_MAX_IN_FLIGHT", "many"), ("THRESHOLD_FACE_CONFIDENCE", "101"), ("THRESHOLD_LIVENESS", "1.5"),
        ("THRESHOLD_CAPTURE_LIVENESS", "nan"), ("HTTP_PORT", "70000"), ("LOG_LEVEL", "loud"), ("LOG_FORMAT", "xml"),
        ("OKAYFACE_BASE_URL", "ekycportaldemo.innov8tif.com"), ("OKAYFACE_BASE_URL", "ftp://x"),
        ("DATABASE_URL", "mysql://x"), ("IMAGE_ALLOWED_PREFIXES", "/data/kyc"), ("IMAGE_ALLOWED_PREFIXES", " , "),
        ("WORKER_REQUEST_DEADLINE_MS", "0"), ("WORKER_MAX_PROCESSING_RUNS", "0"), ("WORKER_REBALANCE_GRACE_MS", "-1"),
        ("OKAYFACE_CIRCUIT_FAILURES", "0"), ("OKAYFACE_CIRCUIT_OPEN_MS", "1s"), ("REVIEW_BAND_LIVENESS", "2"),
        ("OKAYFACE_MAX_RPS", "0"), ("OKAYFACE_MAX_RPS", "-3"), ("OKAYFACE_MAX_RPS", "fast"), ("OKAYFACE_MAX_RPS", "inf"),
        ("OKAYFACE_BURST", "0"),
    ])
    func malformedSettingIsNamed(_ name: String, _ value: String) {
        var values = minimal
        values[name] = value
        #expect(error(values)?.variable == name)
    }

    @Test func secretsNeverAppearInErrors() {
        var values = minimal
        values["DATABASE_URL"] = "mysql://admin:hunter2@db"
        #expect(error(values)?.description.contains("hunter2") == false)
    }

    @Test func passwordFromAFile() throws {
        let path = try secretFile("from-file")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var values = minimal
        values["OKAYFACE_PASSWORD"] = nil
        values["OKAYFACE_PASSWORD_FILE"] = path
        #expect(try WorkerConfiguration.load(values).okayFace.password == "from-file")
        values["OKAYFACE_PASSWORD"] = "also-set"
        #expect(error(values)?.variable == "OKAYFACE_PASSWORD")
        values["OKAYFACE_PASSWORD"] = nil
        values["OKAYFACE_PASSWORD_FILE"] = "/nonexistent/pw"
        #expect(error(values)?.variable == "OKAYFACE_PASSWORD_FILE")
    }

    @Test func imageSourceSettings() throws {
        var values = minimal
        let defaults = try WorkerConfiguration.load(values)
        #expect(defaults.maxImageBytes == 3 * 1024 * 1024)
        #expect(defaults.remoteImages.timeout == .seconds(15))
        #expect(defaults.remoteImages.connectTimeout == .seconds(3))
        #expect(defaults.remoteImages.maxAttempts == 3)
        #expect(defaults.remoteImages.s3 == nil)

        values["IMAGE_ALLOWED_PREFIXES"] = "file:///data/kyc/,https://user@images.example.com/"
        #expect(error(values)?.description
            == "configuration error: IMAGE_ALLOWED_PREFIXES entry \"https://user@images.example.com/\" is not usable: user-info in the URI")
        #expect(error(values)?.variable == "IMAGE_ALLOWED_PREFIXES")

        values["IMAGE_ALLOWED_PREFIXES"] = "s3://kyc-images/2026/"
        #expect(error(values)?.variable == "AWS_ACCESS_KEY_ID")
        values["AWS_ACCESS_KEY_ID"] = "AKID"
        #expect(error(values)?.variable == "AWS_SECRET_ACCESS_KEY")
        values["AWS_SECRET_ACCESS_KEY"] = "s3cr3t"
        let s3 = try #require(try WorkerConfiguration.load(values).remoteImages.s3)
        #expect(s3.region == "us-east-1" && s3.endpoint == nil && s3.secretAccessKey == "s3cr3t")
        values["S3_ENDPOINT"] = "http://minio:9000/bucket"
        #expect(error(values)?.variable == "S3_ENDPOINT")
        values["S3_ENDPOINT"] = "http://minio:9000"
        values["S3_REGION"] = "eu west"
        #expect(error(values)?.variable == "S3_REGION")
        values["S3_REGION"] = "eu-west-1"
        #expect(try WorkerConfiguration.load(values).remoteImages.s3?.endpoint == "http://minio:9000")

        values["IMAGE_CA_FILE"] = "/nonexistent/ca.pem"
        #expect(error(values)?.variable == "IMAGE_CA_FILE")
        values["IMAGE_CA_FILE"] = nil
        values["IMAGE_SPOOL_DIR"] = "/nonexistent/spool"
        #expect(error(values)?.variable == "IMAGE_SPOOL_DIR")
        values["IMAGE_SPOOL_DIR"] = nil
        values["IMAGE_MAX_BYTES"] = "0"
        #expect(error(values)?.variable == "IMAGE_MAX_BYTES")
    }

    @Test func databaseURLFromAFile() throws {
        let path = try secretFile("postgresql://u:pw@127.0.0.1:5432/db")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var values = minimal
        values["DATABASE_URL"] = nil
        values["DATABASE_URL_FILE"] = path
        #expect(try WorkerConfiguration.load(values).databaseURL == "postgresql://u:pw@127.0.0.1:5432/db")
        values["DATABASE_URL"] = nil
        values["DATABASE_URL_FILE"] = nil
        #expect(error(values)?.description == "configuration error: DATABASE_URL is required but not set (or set DATABASE_URL_FILE)")
    }

    /// Runs `okayface-worker` with `arguments`: its exit status and standard error.
    func runBinary(_ arguments: [String]) async throws -> (status: Int32, stderr: String) {
        let run = try await CommandRun.run(
            CrashRecoveryTests.binary, arguments, environment: minimal.merging(["PATH": "/usr/bin:/bin"]) { a, _ in a })
        return (run.status, run.err)
    }

    @Test func theBinaryStopsWithOneLineAndStatus78() async throws {
        let timeout = try await runBinary(["run", "--okayface-timeout-ms", "soon"])
        #expect(timeout.status == 78)
        #expect(timeout.stderr == "configuration error: OKAYFACE_TIMEOUT_MS must be an integer in 100...600000 (got \"soon\")\n")
        let rate = try await runBinary(["run", "--okayface-max-rps", "0"])
        #expect(rate.status == 78)
        #expect(rate.stderr == "configuration error: OKAYFACE_MAX_RPS must be a number in 0.001...100000 (got \"0\")\n")
    }

    @Test func versionIsPrintedWithTheImagesRevision() async throws {
        let plain = try await CommandRun.run(CrashRecoveryTests.binary, ["--version"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(plain.status == 0)
        #expect(plain.out == BuildInfo.version + "\n")
        let image = try await CommandRun.run(
            CrashRecoveryTests.binary, ["--version"], environment: ["PATH": "/usr/bin:/bin", "OKAYFACE_BUILD_REVISION": "abc1234"])
        #expect(image.out == BuildInfo.version + "+abc1234\n")
    }

    /// A worker refuses to work on an older schema: its idea of the newest must be the newest file.
    @Test func theRequiredSchemaVersionIsTheNewestMigration() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: TestStack.root + "/migrations")
        let versions = names.compactMap { name in name.hasSuffix(".sql") ? Int(name.prefix { $0.isNumber }) : nil }
        #expect(versions.max() == DatabaseMigrations.requiredVersion)
    }

    /// A port already in use stops start-up with one line naming HTTP_PORT.
    @Test func aBusyHTTPPortIsOneLineNamingIt() async throws {
        try await withOccupiedPort { port in
            let run = try await CommandRun.run(
                CrashRecoveryTests.binary, ["run", "--http-port", String(port)],
                environment: minimal.merging(["PATH": "/usr/bin:/bin"]) { a, _ in a })
            #expect(run.status == 78)
            #expect(run.err == "configuration error: HTTP_PORT \(port) cannot be listened on: Address already in use\n", "\(run.err)")
        }
    }

    /// The README's configuration table is the one `WorkerSettings` makes, so no row can name a
    /// setting, default or range the worker does not have.
    @Test func theReadmeTableIsMadeFromTheSettings() throws {
        let readme = try String(contentsOfFile: TestStack.root + "/README.md", encoding: .utf8)
        let marker = try #require(readme.range(of: "<!-- settings-table"))
        let begin = try #require(readme.range(of: "-->\n", range: marker.upperBound..<readme.endIndex))
        let end = try #require(readme.range(of: "<!-- /settings-table -->"))
        let table = String(readme[begin.upperBound..<end.lowerBound])
        #expect(table == WorkerSettings.markdownTable, "the README's table is out of date: paste `okayface-dev settings-table` between its settings-table markers")
        let consoleMarker = try #require(readme.range(of: "<!-- console-settings-table"))
        let consoleBegin = try #require(readme.range(of: "-->\n", range: consoleMarker.upperBound..<readme.endIndex))
        let consoleEnd = try #require(readme.range(of: "<!-- /console-settings-table -->"))
        #expect(
            String(readme[consoleBegin.upperBound..<consoleEnd.lowerBound]) == ConsoleSettings.markdownTable,
            "the README's console table is out of date: paste `okayface-dev settings-table --console` between its console-settings-table markers")
    }

    /// Every variable of every setting is a flag of `run`, listed by `--help`, and a flag's
    /// value reaches the setting it names (a bad value is refused naming that variable).
    @Test func everySettingIsAFlagOfRun() async throws {
        let help = try await CommandRun.run(CrashRecoveryTests.binary, ["run", "--help"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(help.status == 0)
        for setting in WorkerSettings.all {
            for variable in setting.flagVariables {
                #expect(help.out.contains(Setting.flag(for: variable) + " <value>"), "run --help does not list \(variable)'s flag")
            }
            #expect(help.out.contains(setting.name + ":"), "run --help does not explain \(setting.name)")
            let bad: String
            switch setting.value {
            case .integer: bad = "many"
            case .number: bad = "NaN"
            case .choice: bad = "sometimes"
            case .url: bad = "not a url"
            case .file: bad = "/nonexistent/ca.pem"
            default: continue
            }
            let values = try SettingFlags.apply([Setting.flag(for: setting.name), bad], to: minimal)
            #expect(error(values)?.variable == setting.name, "\(setting.name): \(String(describing: error(values)))")
        }
        // The table's defaults are what the worker runs with.
        let c = try WorkerConfiguration.load(minimal)
        #expect(c.maxInFlight == 64 && WorkerSettings.workerMaxInFlight.defaultText == "`64`")
    }

    /// A mistyped flag is refused with the nearest name, a flag without a value with its name,
    /// and a secret's file flag replaces the secret from the environment.
    @Test func flagMistakesAreOneLine() async throws {
        #expect(throws: SettingFlags.Problem(description:
            "unknown option '--workr-max-in-flight' (did you mean --worker-max-in-flight?); okayface-worker run --help lists the settings")) {
            try SettingFlags.apply(["--workr-max-in-flight", "8"], to: [:])
        }
        #expect(throws: SettingFlags.Problem(description: "--worker-max-in-flight needs a value")) {
            try SettingFlags.apply(["--worker-max-in-flight"], to: [:])
        }
        #expect(throws: SettingFlags.Problem(description:
            "unknown command 'migrat' (did you mean migrate?); okayface-worker --help lists the commands")) {
            try SettingFlags.apply(["migrat"], to: [:])
        }
        #expect(try SettingFlags.apply(["--worker-max-in-flight=8", "--http-port", "0"], to: [:]) == ["WORKER_MAX_IN_FLIGHT": "8", "HTTP_PORT": "0"])
        #expect(try SettingFlags.apply(["--okayface-password-file", "/run/p"], to: ["OKAYFACE_PASSWORD": "x"]) == ["OKAYFACE_PASSWORD_FILE": "/run/p"])
        let run = try await CommandRun.run(CrashRecoveryTests.binary, ["run", "--workr-max-in-flight", "8"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(run.status == 64)
        #expect(run.err.hasPrefix("Error: unknown option '--workr-max-in-flight' (did you mean --worker-max-in-flight?)"), "\(run.err)")
    }
}
