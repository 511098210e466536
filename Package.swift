// swift-tools-version:6.0
import PackageDescription

// Each C library is wrapped by exactly one Swift module (see docs/architecture.md):
// CRdKafka → Kafka, CCurl → WebClient, CLibPQ → Postgres. Everything above those
// three modules is plain Swift.
let package = Package(
    name: "okayface-worker",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "okayface-worker", targets: ["okayface-worker"]),
        .executable(name: "okayface-dev", targets: ["okayface-dev"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        // Tests only: running a command to its end (Tests/WorkerTests/CommandRun.swift).
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
        // The console: bcrypt for passwords (HummingbirdBcrypt); swift-crypto, which it brings,
        // for SHA-256 everywhere (Sources/Digest).
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.0.0"),
    ],
    targets: [
        // C libraries from Debian's -dev packages.
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),

        // The only modules that call C.
        .target(name: "Kafka", dependencies: ["CRdKafka", "Blocking", .product(name: "Logging", package: "swift-log")]),
        .target(name: "WebClient", dependencies: ["CCurl", "Payload", "Blocking", .product(name: "Logging", package: "swift-log")]),
        .target(name: "Postgres", dependencies: ["CLibPQ", "Digest", "Blocking", .product(name: "Logging", package: "swift-log")]),

        // Plain Swift.
        // Where blocking work runs, and the check that it never runs on the cooperative pool.
        .target(name: "Blocking"),
        // An image to upload, in memory or as an opened file read with pread (POSIX, no C
        // library); its own module because the domain, the vendor client, the image store and
        // the HTTP client all pass it along, and Verification sits above OkayFace.
        .target(name: "Payload"),
        // SHA-256 (swift-crypto's) for migration checksums, image checks, policy hashes, token
        // hashes and simulator scores, behind one small API.
        .target(name: "Digest", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // A JSON parser straight into one value type, for the vendor's answers and the requests.
        .target(name: "JSONReading"),
        .target(name: "OkayFace", dependencies: ["WebClient", "Payload", "JSONReading", .product(name: "Logging", package: "swift-log")]),
        // The domain: events, decisions, reasons. Knows no vendor, no C, no metrics.
        .target(name: "Verification", dependencies: ["Payload", "Digest", "JSONReading"]),
        // Orchestration: one request through images, vendor calls (retries, circuit breaker,
        // rate limit) and the decision; its ports are implemented by the adapters below.
        .target(
            name: "Pipeline",
            dependencies: [
                "Verification", "OkayFace", "Payload", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]),
        // An adapter: implements the pipeline's ImageSource port.
        .target(
            name: "ImageStore",
            dependencies: ["Pipeline", "Verification", "Payload", "WebClient", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "Worker",
            dependencies: [
                "Verification", "Pipeline", "OkayFace", "ImageStore", "Kafka", "Postgres", "WebClient", "Payload", "Blocking",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The console: people, tokens and sessions, review actions with four eyes, the JSON API.
        .target(
            name: "Console",
            dependencies: [
                "Worker", "Verification", "Pipeline", "Postgres", "Kafka", "Blocking", "Digest", "ImageStore", "WebClient", "Payload",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Simulator",
            dependencies: [
                "Digest",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "DevTools",
            dependencies: [
                "Kafka", "Verification", "Pipeline", "Simulator", "Worker", "Blocking",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),

        // Thin executables: argument parsing and nothing else.
        .executableTarget(
            name: "okayface-worker",
            dependencies: [
                "Worker", "Console", "Postgres", "Verification", "Pipeline", "Kafka", "Blocking",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The external-input parsers as libFuzzer targets (scripts/fuzz); an ordinary build
        // replays the corpus in fuzz/ through them.
        .executableTarget(
            name: "okayface-fuzz",
            dependencies: ["Verification", "Pipeline", "OkayFace", "ImageStore"]
        ),
        .executableTarget(
            name: "okayface-dev",
            dependencies: ["DevTools", "Worker", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Helpers shared by test targets: a loopback Hummingbird server, a multipart reader, the
        // image stand-ins scripts/test starts.
        .target(
            name: "TestSupport",
            dependencies: [
                "WebClient", "Digest", "Blocking", "Simulator", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"), .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/TestSupport"
        ),

        .testTarget(name: "DigestTests", dependencies: ["Digest"]),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka", "TestSupport"]),
        .testTarget(name: "WebClientTests", dependencies: ["WebClient", "Payload", "TestSupport", .product(name: "Hummingbird", package: "hummingbird")]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "Digest", "TestSupport"]),
        .testTarget(
            name: "OkayFaceTests",
            dependencies: [
                "OkayFace", "JSONReading", "Payload", "Simulator", "WebClient", "TestSupport", .product(name: "Hummingbird", package: "hummingbird"),
            ]),
        .testTarget(name: "VerificationTests", dependencies: ["Verification", "Pipeline", "OkayFace", "Payload", "Digest", "TestSupport"]),
        .testTarget(name: "PayloadTests", dependencies: ["Payload", "TestSupport"]),
        .testTarget(
            name: "ImageStoreTests",
            dependencies: [
                "ImageStore", "Verification", "Pipeline", "Payload", "WebClient", "TestSupport", .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "SimulatorTests",
            dependencies: [
                "Simulator", "TestSupport", "Blocking", .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "MultipartKit", package: "multipart-kit"),
            ]),
        .testTarget(
            name: "WorkerTests",
            dependencies: [
                "Worker", "Console", "Simulator", "Kafka", "Postgres", "DevTools", "Verification", "Pipeline", "OkayFace", "WebClient",
                "Digest",
                "TestSupport", "Blocking", .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"), .product(name: "SystemPackage", package: "swift-system"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
