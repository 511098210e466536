import Pipeline
import Foundation
import ImageStore
import Logging
import Payload
import TestSupport
import Testing
import Verification

/// A scratch folder laid out as:
///
///     allowed/face.jpg   the image (under IMAGE_ALLOWED_PREFIXES)
///     allowed-other/     a sibling whose name starts like the allowed one
///     outside/secret.jpg not allowed
///     link-root -> allowed  an allowed prefix that is itself a symlink
private struct Fixture {
    static let face: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + patternedBytes(count: 4_000)

    let folder: String
    var allowed: String { folder + "/allowed" }
    var outside: String { folder + "/outside" }
    let store: FileImageStore

    init(folder: String) throws {
        self.folder = folder
        for name in ["allowed", "allowed-other", "outside"] {
            try FileManager.default.createDirectory(atPath: "\(folder)/\(name)", withIntermediateDirectories: true)
        }
        try writeFile("\(folder)/allowed/face.jpg", Self.face)
        try writeFile("\(folder)/allowed-other/face.jpg", Self.face)
        try writeFile("\(folder)/outside/secret.jpg", Self.face)
        try FileManager.default.createSymbolicLink(atPath: "\(folder)/link-root", withDestinationPath: "\(folder)/allowed")
        let allowList = ImageAllowList(prefixes: [
            "file://\(folder)/allowed/", "file://\(folder)/link-root", "s3://bucket/", "https://images.example/",
        ])
        store = FileImageStore(allowList: allowList, logger: Logger(label: "image-store-test"))
    }

    func load(
        _ uri: String, maxBytes: Int = 1 << 20, budget: ByteBudget = ByteBudget(bytes: 1 << 30)
    ) throws(ImageLoadFailure) -> ImagePayload {
        try store.load(uri, limits: ImageLimits(maxImageBytes: maxBytes, requestBudget: budget))
    }

    /// The failure's case, without its message; nil when the load succeeded.
    func failure(_ uri: String, maxBytes: Int = 1 << 20, budget: ByteBudget = ByteBudget(bytes: 1 << 30)) async -> String? {
        do {
            _ = try load(uri, maxBytes: maxBytes, budget: budget)
            return nil
        } catch {
            return switch error {
            case .forbidden: "forbidden"
            case .unavailable: "unavailable"
            case .invalid: "invalid"
            case .tooLarge: "tooLarge"
            case .requestTooLarge: "requestTooLarge"
            }
        }
    }
}

private func withFixture(_ body: (Fixture) async throws -> Void) async throws {
    try await withScratchFolder { folder in try await body(try Fixture(folder: folder)) }
}

/// The whole file, read through the payload as the HTTP client would.
private func contents(_ payload: ImagePayload) throws -> [UInt8] {
    switch payload {
    case .bytes(let bytes): return bytes
    case .file(let file): return try file.bytes(at: 0, count: file.byteCount)
    }
}

@Suite("FileImageStore", .offCooperativePool)
struct FileImageStoreTests {
    @Test func allowedImageIsAnOpenedFileNotBytes() async throws {
        try await withFixture { fixture in
            let payload = try fixture.load("file://\(fixture.allowed)/face.jpg")
            guard case .file(let file) = payload else {
                Issue.record("expected a file payload")
                return
            }
            #expect(file.byteCount == Fixture.face.count)
            #expect(payload.byteCount == Fixture.face.count)
            #expect(payload.prefix(4) == [0xFF, 0xD8, 0xFF, 0xE0])
            #expect(try contents(payload) == Fixture.face)
        }
    }

    @Test func prefixThatIsASymlinkCoversItsTarget() async throws {
        try await withFixture { fixture in
            let payload = try fixture.load("file://\(fixture.folder)/link-root/face.jpg")
            #expect(try contents(payload) == Fixture.face)
        }
    }

    @Test func symlinkStayingInsideTheFolderIsFollowed() async throws {
        try await withFixture { fixture in
            try FileManager.default.createSymbolicLink(atPath: fixture.allowed + "/alias.jpg", withDestinationPath: "face.jpg")
            #expect(try contents(try fixture.load("file://\(fixture.allowed)/alias.jpg")) == Fixture.face)
        }
    }

    @Test func urisOutsideTheAllowListAreForbidden() async throws {
        try await withFixture { fixture in
            #expect(await fixture.failure("file://\(fixture.outside)/secret.jpg") == "forbidden")
            #expect(await fixture.failure("file://\(fixture.folder)/allowed-other/face.jpg") == "forbidden")
            // Resolves inside the folder, but ".." is never accepted.
            #expect(await fixture.failure("file://\(fixture.allowed)/../allowed/face.jpg") == "forbidden")
            #expect(await fixture.failure("file://\(fixture.allowed)/../outside/secret.jpg") == "forbidden")
            // An encoded "/" would walk out after the prefix check.
            #expect(await fixture.failure("file://\(fixture.allowed)/x%2F..%2F..%2Foutside/secret.jpg") == "forbidden")
            #expect(await fixture.failure("file://\(fixture.allowed)/face.jpg?x=1") == "forbidden")
        }
    }

    @Test func symlinksEscapingTheFolderAreForbidden() async throws {
        try await withFixture { fixture in
            try FileManager.default.createSymbolicLink(atPath: fixture.allowed + "/escape.jpg", withDestinationPath: fixture.outside + "/secret.jpg")
            try FileManager.default.createSymbolicLink(atPath: fixture.allowed + "/escape-dir", withDestinationPath: fixture.outside)
            try FileManager.default.createSymbolicLink(atPath: fixture.allowed + "/relative.jpg", withDestinationPath: "../outside/secret.jpg")
            #expect(await fixture.failure("file://\(fixture.allowed)/escape.jpg") == "forbidden")
            #expect(await fixture.failure("file://\(fixture.allowed)/escape-dir/secret.jpg") == "forbidden")
            #expect(await fixture.failure("file://\(fixture.allowed)/relative.jpg") == "forbidden")
        }
    }

    /// Even a prefix on the allow-list: only `file://` is supported so far.
    @Test(arguments: ["s3://bucket/a.jpg", "https://images.example/a.jpg", "http://images.example/a.jpg", "ftp://x/a.jpg", "FILE:///a.jpg"])
    func otherSchemesAreForbidden(uri: String) async throws {
        try await withFixture { fixture in
            #expect(await fixture.failure(uri) == "forbidden")
        }
    }

    @Test func missingFilesDirectoriesAndFIFOsAreUnavailable() async throws {
        try await withFixture { fixture in
            #expect(await fixture.failure("file://\(fixture.allowed)/nobody.jpg") == "unavailable")
            try FileManager.default.createDirectory(atPath: fixture.allowed + "/dir.jpg", withIntermediateDirectories: false)
            #expect(await fixture.failure("file://\(fixture.allowed)/dir.jpg") == "unavailable")
            // A FIFO without a writer: opening must not wait for one.
            #expect(mkfifo(fixture.allowed + "/fifo.jpg", 0o600) == 0)
            #expect(await fixture.failure("file://\(fixture.allowed)/fifo.jpg") == "unavailable")
        }
    }

    @Test func emptyFileIsInvalid() async throws {
        try await withFixture { fixture in
            try writeFile(fixture.allowed + "/empty.jpg", [])
            #expect(await fixture.failure("file://\(fixture.allowed)/empty.jpg") == "invalid")
        }
    }

    @Test func sizeLimitIsInclusive() async throws {
        try await withFixture { fixture in
            let uri = "file://\(fixture.allowed)/face.jpg"
            #expect(await fixture.failure(uri, maxBytes: Fixture.face.count) == nil)
            #expect(await fixture.failure(uri, maxBytes: Fixture.face.count - 1) == "tooLarge")
        }
    }

    /// The three images of a request draw on one budget: the file that does not fit is
    /// refused as the request's excess, and the budget keeps what the others took.
    @Test func requestBudgetIsSharedAndTakenOnlyOnSuccess() async throws {
        try await withFixture { fixture in
            let uri = "file://\(fixture.allowed)/face.jpg"
            let budget = ByteBudget(bytes: Fixture.face.count * 2 + 10)
            #expect(await fixture.failure(uri, budget: budget) == nil)
            #expect(await fixture.failure(uri, budget: budget) == nil)
            #expect(budget.available == 10)
            #expect(await fixture.failure(uri, budget: budget) == "requestTooLarge")
            #expect(budget.available == 10)
        }
    }

    /// A sparse 64 GiB file: refused from its size alone, at once, without a byte read.
    @Test func hugeFileIsRefusedWithoutReadingIt() async throws {
        try await withFixture { fixture in
            let path = fixture.allowed + "/huge.jpg"
            try writeFile(path, [0xFF, 0xD8, 0xFF])
            #expect(truncate(path, 64 << 30) == 0)
            let started = ContinuousClock.now
            #expect(await fixture.failure("file://\(fixture.allowed)/huge.jpg", maxBytes: 5 << 20) == "tooLarge")
            #expect(ContinuousClock.now - started < .seconds(10))  // reading 64 GiB would take minutes
        }
    }

    @Test func payloadKeepsTheFileOpenUntilReleasedAndSurvivesItsDeletion() async throws {
        try await withFixture { fixture in
            let path = fixture.allowed + "/face.jpg"
            var payload: ImagePayload? = try fixture.load("file://\(path)")
            if let open = openDescriptorCount(for: path) { #expect(open == 1) }
            payload = nil
            if let open = openDescriptorCount(for: path) { #expect(open == 0) }

            // Deleted after loading: the payload still holds every byte.
            payload = try fixture.load("file://\(path)")
            try FileManager.default.removeItem(atPath: path)
            #expect(try contents(try #require(payload)) == Fixture.face)
        }
    }

    @Test func refusedFilesAreNotLeftOpen() async throws {
        guard openDescriptorCount(for: "/") != nil else { return }  // needs /proc
        try await withFixture { fixture in
            let empty = fixture.allowed + "/empty.jpg"
            try writeFile(empty, [])
            let face = fixture.allowed + "/face.jpg"
            for _ in 0..<50 {
                #expect(await fixture.failure("file://\(face)", maxBytes: 10) == "tooLarge")
                #expect(await fixture.failure("file://\(empty)") == "invalid")
            }
            #expect(openDescriptorCount(for: face) == 0)
            #expect(openDescriptorCount(for: empty) == 0)
        }
    }
}
