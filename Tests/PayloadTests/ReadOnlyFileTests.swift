import Foundation
import Payload
import TestSupport
import Testing

@Suite("ReadOnlyFile")
struct ReadOnlyFileTests {
    @Test func readsAtTheOffsetItIsGiven() async throws {
        try await withScratchFolder { folder in
            let content = patternedBytes(count: 10_000)
            let path = folder + "/a.bin"
            try writeFile(path, content)
            let file = try ReadOnlyFile(path: path)
            #expect(file.byteCount == 10_000)
            #expect(try file.bytes(at: 0, count: 10_000) == content)
            #expect(try file.bytes(at: 9_990, count: 100) == Array(content[9_990...]))
            #expect(try file.bytes(at: 10_000, count: 5) == [])
            #expect(try file.bytes(at: 123, count: 0) == [])
            var buffer = [UInt8](repeating: 0, count: 16)
            let count = try buffer.withUnsafeMutableBytes { try file.read(into: $0, at: 20_000) }
            #expect(count == 0)
        }
    }

    /// The size is fixed when the file is opened: a later append is not sent.
    @Test func sizeIsTheOneSeenAtOpen() async throws {
        try await withScratchFolder { folder in
            let path = folder + "/grows.bin"
            try writeFile(path, [1, 2, 3])
            let file = try ReadOnlyFile(path: path)
            try writeFile(path, [1, 2, 3, 4, 5, 6])
            #expect(file.byteCount == 3)
            #expect(try file.bytes(at: 0, count: 100) == [1, 2, 3])
        }
    }

    /// Many readers on one descriptor, each at its own offset, never see each other's data.
    @Test func concurrentReadersShareNoPosition() async throws {
        try await withScratchFolder { folder in
            let content = patternedBytes(count: 256 * 1024, seed: 5)
            let path = folder + "/shared.bin"
            try writeFile(path, content)
            let file = try ReadOnlyFile(path: path)
            let mismatches = await withTaskGroup(of: Int.self) { group in
                for reader in 0..<16 {
                    group.addTask {
                        var wrong = 0
                        var offset = reader * 977 % 4096
                        while offset < content.count {
                            let chunk = (try? file.bytes(at: offset, count: 1000)) ?? []
                            if chunk[...] != content[offset..<min(offset + 1000, content.count)] { wrong += 1 }
                            offset += 3001
                        }
                        return wrong
                    }
                }
                return await group.reduce(0, +)
            }
            #expect(mismatches == 0)
        }
    }

    @Test func onlyRegularFilesOpen() async throws {
        try await withScratchFolder { folder in
            #expect(throws: ReadOnlyFile.Failure.notRegularFile) { try ReadOnlyFile(path: folder) }
            #expect(mkfifo(folder + "/fifo", 0o600) == 0)
            #expect(throws: ReadOnlyFile.Failure.notRegularFile) { try ReadOnlyFile(path: folder + "/fifo") }
            do throws(ReadOnlyFile.Failure) {
                _ = try ReadOnlyFile(path: folder + "/missing")
                Issue.record("a missing file opened")
            } catch {
                guard case .cannotOpen = error else {
                    Issue.record("expected cannotOpen, got \(error)")
                    return
                }
            }
        }
    }

    @Test func descriptorIsClosedWithTheLastReference() async throws {
        guard openDescriptorCount(for: "/") != nil else { return }  // needs /proc
        try await withScratchFolder { folder in
            let path = folder + "/closed.bin"
            try writeFile(path, [42])
            var file: ReadOnlyFile? = try ReadOnlyFile(path: path)
            let copy = ImagePayload.file(try #require(file))
            #expect(openDescriptorCount(for: path) == 1)
            file = nil
            #expect(openDescriptorCount(for: path) == 1, "the payload still holds it")
            #expect(copy.byteCount == 1)
            _ = consume copy
            #expect(openDescriptorCount(for: path) == 0)
        }
    }
}

@Suite("ImagePayload")
struct ImagePayloadTests {
    @Test func bytesAndFileAnswerAlike() async throws {
        try await withScratchFolder { folder in
            let content: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]
            let path = folder + "/a.png"
            try writeFile(path, content)
            for payload in [ImagePayload.bytes(content), .file(try ReadOnlyFile(path: path))] {
                #expect(payload.byteCount == content.count)
                #expect(payload.prefix(8) == Array(content.prefix(8)))
                #expect(payload.prefix(100) == content)
            }
        }
    }
}
