import DevTools
import Foundation
import Logging
import TestSupport
import Testing

/// The fault suite, small: 300 requests through two worker processes while three are
/// SIGKILLed, a broker is down for a while, PostgreSQL restarts once and the vendor fails 20%
/// of calls. PostgreSQL here is a private cluster this test starts in /tmp, since the shared
/// test server must not be restarted under the other tests. `okayface-dev chaos` is the full one.
@Suite(.timeLimit(.minutes(5)), .offCooperativePool)
struct ChaosTests {
    struct Prerequisite: Error, CustomStringConvertible { var description: String }

    @Test func killsOutagesAndVendorFailuresLoseNothingAndDoubleNothing() async throws {
        let bin = URL(fileURLWithPath: CrashRecoveryTests.binary).deletingLastPathComponent().path
        guard FileManager.default.isExecutableFile(atPath: CrashRecoveryTests.binary) else {
            Issue.record("no worker binary at \(CrashRecoveryTests.binary): build first, or set OKAYFACE_TEST_BIN")
            throw Prerequisite(description: "worker binary missing")
        }
        let folder = "/tmp/okf-chaos-test-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let postgres = PostgresControl(root: TestStack.root, directory: folder + "/pg", log: folder + "/postgres-control.log")
        let serverURL: String
        do {
            serverURL = try await postgres.start()
        } catch {
            Issue.record("could not start a private PostgreSQL through scripts/lib/postgres.sh: \(error)")
            throw error
        }

        var configuration = ChaosConfiguration(
            databaseURL: serverURL, postgresDirectory: folder + "/pg", binDirectory: bin, root: TestStack.root)
        configuration.requests = 300
        configuration.workers = 2
        configuration.kills = 3
        configuration.vendorFailureRate = 0.2
        configuration.invalidShare = 0.02
        configuration.publishRate = 12  // ~25 s of publishing, so the faults meet a stream of work
        configuration.killGapMs = 1_000...2_000
        configuration.timeout = .seconds(150)
        configuration.runDirectory = folder + "/run"
        var logger = Logger(label: "chaos-test")
        logger.logLevel = .warning

        let outcome = await Result(catching: { try await ChaosRun(configuration: configuration, logger: logger).run() })
        try? await postgres.stop()
        let report = try outcome.get()
        print(report.rendered + "\n" + report.passLine)

        #expect(report.lost == 0, "\(report.passLine)\n\(report.rendered)")
        #expect(report.doubledCount == 0, "\(report.passLine)\n\(report.rendered)")
        #expect(report.drained, "\(report.rendered)")
        #expect(report.killsDone == 3)
        #expect(report.postgresRestarts == 1)
        #expect(report.brokerOutages == 1)
        #expect(report.unexpectedExits.isEmpty, "\(report.unexpectedExits)")
        #expect(report.badShutdowns.isEmpty, "\(report.shutdownExits)")
        #expect(report.validSent + report.invalidSent == 300)
        #expect(report.dlqEntries >= report.invalidSent)
        TestStack.keepLogs(of: folder)
        if report.passed { try? FileManager.default.removeItem(atPath: folder) }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
