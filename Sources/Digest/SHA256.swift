import Crypto

/// SHA-256 for fingerprints and checks: migration checksums, image checks, policy and token
/// hashes, the simulator's deterministic scores. swift-crypto's (BoringSSL's assembly on
/// Linux) behind the small API the callers share, so none of them imports Crypto.
///
/// swift-crypto replaced a hand-written one: the simulator's digest path (two 2.4 MB images
/// per call, debug build, as the tests run it) went from 3.7 s to a few ms per call
/// (docs/benchmarks.md).
public struct SHA256: Sendable {
    private var hasher = Crypto.SHA256()

    public init() {}

    /// The 32-byte digest of `bytes`, in one call.
    public static func digest(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The lowercase hex digest of `bytes`, as `sha256sum` prints it.
    public static func hex(_ bytes: some Collection<UInt8>) -> String {
        hexEncoded(digest(bytes))
    }

    /// Lowercase hex of a digest (or any bytes).
    public static func hexEncoded(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(digest.count * 2)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public mutating func update(_ bytes: some Collection<UInt8>) {
        if let done: Void = bytes.withContiguousStorageIfAvailable({ hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }) {
            return done
        }
        hasher.update(data: Array(bytes))
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    /// The digest of everything fed so far.
    public mutating func finalize() -> [UInt8] {
        Array(hasher.finalize())
    }
}
