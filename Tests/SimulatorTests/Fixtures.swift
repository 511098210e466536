import Foundation
import Logging
import Testing

@testable import Simulator

/// Files and a running simulator for the HTTP tests.
enum Fixtures {
    /// A directory for this test process's upload files.
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("okayface-sim-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Writes `bytes` to a fresh file and returns its URL.
    static func file(_ bytes: [UInt8]) -> URL {
        let url = directory.appendingPathComponent(UUID().uuidString)
        try! Data(bytes).write(to: url)
        return url
    }

    /// Deterministic filler bytes, different per seed.
    static func bytes(count: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        // Word-at-a-time through a raw buffer: byte-wise appends take seconds for 3 MB in debug builds.
        let words = [UInt64](unsafeUninitializedCapacity: count / 8 + 1) { buffer, initialized in
            for i in 0..<buffer.count { buffer[i] = generator.next() }
            initialized = buffer.count
        }
        return words.withUnsafeBytes { Array($0.prefix(count)) }
    }

    static func jpeg(seed: UInt64, size: Int = 2048) -> URL {
        file([0xFF, 0xD8, 0xFF, 0xE0] + bytes(count: size - 4, seed: seed))
    }

    static func png(seed: UInt64, size: Int = 2048) -> URL {
        file([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + bytes(count: size - 8, seed: seed))
    }

    static func sdkData(_ json: String) -> URL {
        file(Array(json.utf8))
    }

    static let opaqueSdkData = file(bytes(count: 512, seed: 42))

    static let logger: Logger = {
        var logger = Logger(label: "simulator-tests")
        logger.logLevel = .warning
        return logger
    }()
}

/// A started simulator and the calls the tests make against it.
struct RunningSimulator {
    let simulator: OkayFaceSimulator

    var okayFaceURL: String { simulator.baseURL + "/api/ekyc/okayface-plus/v1" }
    var journeyURL: String { simulator.baseURL + "/api/ekyc/journeyid" }

    func createJourney() async throws -> String {
        let reply = try await Curl.postJSON(journeyURL, #"{"username":"demo","password":"demo-password"}"#)
        return try #require(reply.json["journeyId"] as? String)
    }

    /// An OkayFace Plus call with the standard four fields, any of them replaceable.
    func verify(
        journeyId: String?,
        idCard: URL? = Fixtures.jpeg(seed: 1),
        best: URL? = Fixtures.jpeg(seed: 2),
        sdk: URL? = Fixtures.opaqueSdkData,
        extraArguments: [String] = []
    ) async throws -> Curl.Reply {
        var fields: [Curl.Field] = []
        if let journeyId { fields.append(.text("journeyId", journeyId)) }
        if let idCard { fields.append(.file("imageIdCard", idCard, type: "image/jpeg")) }
        if let best { fields.append(.file("imageBest", best, type: "image/jpeg")) }
        if let sdk { fields.append(.file("mobileSdkData", sdk)) }
        return try await Curl.postForm(okayFaceURL, fields, extraArguments: extraArguments)
    }

    /// A call on a fresh journey whose `mobileSdkData` is the given simulate directive JSON.
    func verify(simulate directive: String, journeyId: String? = nil) async throws -> Curl.Reply {
        let journey: String
        if let journeyId { journey = journeyId } else { journey = try await createJourney() }
        return try await verify(journeyId: journey, sdk: Fixtures.sdkData(#"{"simulate":\#(directive)}"#))
    }
}

/// Starts a simulator on an ephemeral port, runs `body` against it and stops it.
func withSimulator<T>(
    _ configuration: SimulatorConfiguration = .init(),
    _ body: (RunningSimulator) async throws -> T
) async throws -> T {
    let simulator = OkayFaceSimulator(configuration: configuration, logger: Fixtures.logger)
    _ = try await simulator.start()
    do {
        let result = try await body(RunningSimulator(simulator: simulator))
        await simulator.stop()
        return result
    } catch {
        await simulator.stop()
        throw error
    }
}
