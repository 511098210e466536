import Digest
import Foundation
import Testing

/// FIPS 180-4 vectors and `sha256sum`'s answers, one-shot and streamed.
@Suite("SHA-256")
struct SHA256Tests {
    private static let millionADigest = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

    @Test(
        "FIPS 180-4 vectors",
        arguments: [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
            (
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
            ),
        ]
    )
    func vectors(input: String, expected: String) {
        #expect(SHA256.hex(Array(input.utf8)) == expected)
        // The raw digest and its hex agree; this is how the simulator reads it.
        #expect(SHA256.digest(Array(input.utf8)).map { String(format: "%02x", $0) }.joined() == expected)
    }

    @Test("a million 'a' in one call")
    func millionA() {
        #expect(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)) == Self.millionADigest)
    }

    @Test("a million 'a', fed in uneven pieces")
    func millionAStreamed() {
        var hasher = SHA256()
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 999)
        var fed = 0
        while fed < 1_000_000 {
            let count = min(piece.count, 1_000_000 - fed)
            hasher.update(Array(piece[0..<count]))
            fed += count
        }
        #expect(hasher.finalize().map { String(format: "%02x", $0) }.joined() == Self.millionADigest)
    }

    @Test("lengths around the padding boundary")
    func paddingBoundaryLengths() {
        // 55, 56, 63, 64 bytes straddle the padding boundary; compare with sha256sum's answers.
        #expect(SHA256.hex(Array(repeating: 0x61, count: 55)) == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318")
        #expect(SHA256.hex(Array(repeating: 0x61, count: 56)) == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
        #expect(SHA256.hex(Array(repeating: 0x61, count: 63)) == "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34")
        #expect(SHA256.hex(Array(repeating: 0x61, count: 64)) == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
    }

    @Test("streaming in any split equals one-shot")
    func streamingEqualsOneShot() {
        let bytes = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for length in [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 200] {
            let message = Array(bytes[0..<length])
            let oneShot = SHA256.digest(message)
            for split in Set([0, min(1, length), length / 2, max(length - 1, 0), length]) {
                var hasher = SHA256()
                hasher.update(message[0..<split])
                hasher.update(message[split...])
                #expect(hasher.finalize() == oneShot, "length \(length), split at \(split)")
            }
        }
    }

    @Test("Data, slices and raw memory hash like arrays")
    func otherCollections() {
        let message = Array("The quick brown fox jumps over the lazy dog".utf8)
        let expected = "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"
        #expect(SHA256.hex(Data(message)) == expected)
        #expect(SHA256.hex(message[...]) == expected)
        #expect(SHA256.hex(message.lazy.map { $0 }) == expected)
        var hasher = SHA256()
        message.withUnsafeBytes { hasher.update($0) }
        #expect(hasher.finalize() == SHA256.digest(message))
    }
}
