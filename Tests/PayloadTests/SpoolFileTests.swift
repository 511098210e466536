import Foundation
import Payload
import TestSupport
import Testing

@Suite("SpoolFile and ImageFormat")
struct SpoolFileTests {
    @Test func writtenBytesReadBackAndNoNameIsLeftInTheFolder() async throws {
        try await withScratchFolder { folder in
            let spool = try SpoolFile(directory: folder)
            let first = patternedBytes(count: 70_000)
            let second = patternedBytes(count: 5, seed: 9)
            try first.withUnsafeBytes { try spool.write($0) }
            try second.withUnsafeBytes { try spool.write($0) }
            #expect(spool.byteCount == 70_005)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == [])
            let file = spool.finish()
            #expect(file.byteCount == 70_005)
            #expect(try file.bytes(at: 0, count: 70_005) == first + second)
        }
    }

    @Test func aMissingFolderIsAnError() {
        #expect(throws: ReadOnlyFile.Failure.self) { _ = try SpoolFile(directory: "/nonexistent/spool") }
    }

    @Test func formatsAreRecognisedFromTheirFirstBytes() {
        #expect(ImageFormat(sniffing: [0xFF, 0xD8, 0xFF, 0xE0, 1, 2]) == .jpeg)
        #expect(ImageFormat(sniffing: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]) == .png)
        #expect(ImageFormat(sniffing: Array("RIFF".utf8) + [1, 2, 3, 4] + Array("WEBPVP8 ".utf8)) == .webp)
        #expect(ImageFormat(sniffing: Array("RIFF".utf8) + [1, 2, 3, 4] + Array("WAVE".utf8)) == nil)
        #expect(ImageFormat(sniffing: Array("GIF89a".utf8)) == nil)
        #expect(ImageFormat(sniffing: [0xFF, 0xD8]) == nil)
        #expect(ImageFormat(sniffing: []) == nil)
        #expect(ImagePayload.bytes(Array("just text".utf8)).imageFormat == nil)
    }
}
