import DevTools
import Foundation
import TestSupport
import Testing

/// The fuzz corpus in the repository (fuzz/corpus/, seeds and any crash inputs kept after a
/// fix) replayed through the parsers by an ordinary build of `okayface-fuzz`: every input must
/// go through without a crash or a broken invariant. `scripts/fuzz` runs the same targets
/// under libFuzzer.
@Suite(.offCooperativePool)
struct FuzzCorpusTests {
    @Test(arguments: ["request-decoder", "vendor-response", "uri-policy"])
    func theCorpusReplaysWithoutACrash(target: String) async throws {
        let binary = URL(fileURLWithPath: CrashRecoveryTests.binary).deletingLastPathComponent()
            .appendingPathComponent("okayface-fuzz").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            Issue.record("no okayface-fuzz binary at \(binary): build first, or set OKAYFACE_TEST_BIN")
            return
        }
        let corpus = TestStack.root + "/fuzz/corpus/" + target
        let files = try FileManager.default.contentsOfDirectory(atPath: corpus)
        #expect(files.count >= 5, "the corpus of \(target) should hold its seeds")

        let run = try await CommandRun.run(binary, [target, corpus])
        let text = run.out
        #expect(run.status == 0)
        #expect(text.contains("\(target): \(files.count) inputs replayed, no crash"), "\(text)")
    }
}
