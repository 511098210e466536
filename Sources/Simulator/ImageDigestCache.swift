import Digest
import Foundation
import NIOCore
import Synchronization

/// Remembers the SHA-256 of recently seen images, so a load test that sends the same few
/// images thousands of times pays for each digest once (hashing was a quarter of the bench
/// process's CPU, docs/benchmarks.md). A hit is confirmed by comparing every byte, so the
/// digest is always the one of exactly these bytes and the scores stay what they would be.
final class ImageDigestCache: Sendable {
    private struct Entry: Sendable {
        var bytes: [UInt8]
        var digest: [UInt8]
    }

    /// Images larger than this are hashed every time rather than kept.
    let maxImageBytes: Int
    /// Entries kept; when full the cache starts over, which is enough for a handful of
    /// images repeated and harmless for a stream of distinct ones.
    let capacity: Int
    private let entries = Mutex<[Int: [Entry]]>([:])

    init(capacity: Int = 64, maxImageBytes: Int = 1 << 20) {
        self.capacity = capacity
        self.maxImageBytes = maxImageBytes
    }

    func digest(_ buffer: ByteBuffer) -> [UInt8] {
        buffer.withUnsafeReadableBytes { bytes in
            guard bytes.count <= maxImageBytes else { return Self.sha256(bytes) }
            let key = Self.fingerprint(bytes)
            if let hit = entries.withLock({ $0[key]?.first { Self.same($0.bytes, bytes) } }) {
                return hit.digest
            }
            let digest = Self.sha256(bytes)
            entries.withLock { table in
                if table.values.reduce(0, { $0 + $1.count }) >= capacity { table.removeAll(keepingCapacity: true) }
                table[key, default: []].append(Entry(bytes: Array(bytes), digest: digest))
            }
            return digest
        }
    }

    private static func same(_ kept: [UInt8], _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard kept.count == bytes.count else { return false }
        guard let base = bytes.baseAddress else { return true }
        return kept.withUnsafeBytes { memcmp($0.baseAddress!, base, bytes.count) == 0 }
    }

    private static func sha256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Length and a few sampled bytes: cheap, and only picks the bucket; equality decides.
    private static func fingerprint(_ bytes: UnsafeRawBufferPointer) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes.count)
        if !bytes.isEmpty {
            for i in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 32)) { hasher.combine(bytes[i]) }
            hasher.combine(bytes[bytes.count - 1])
        }
        return hasher.finalize()
    }
}
