import Verification
import Digest
import Payload

/// The checks a loaded image must pass before it is sent: something to send, an image
/// format for the two photos (the SDK bundle is opaque), and the digest the event announced.
enum ImageInspection {
    /// Why `payload` cannot be sent as `role`; nil when it can.
    static func problem(_ payload: ImagePayload, role: ImageRole, expectedSHA256: String?) -> String? {
        if payload.byteCount == 0 { return "empty" }
        if role != .mobileSdkData, payload.imageFormat == nil { return "not a JPEG, PNG or WebP image" }
        if let expectedSHA256 {
            guard let actual = sha256Hex(payload) else { return "could not be read to check its SHA-256" }
            if actual != expectedSHA256 { return "SHA-256 differs from the event's imageSha256" }
        }
        return nil
    }

    /// Lower-case hex digest; nil when a file payload cannot be read to its end.
    static func sha256Hex(_ payload: ImagePayload) -> String? {
        switch payload {
        case .bytes(let bytes):
            return SHA256.hex(bytes)
        case .file(let file):
            var hasher = SHA256()
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            var offset = 0
            while offset < file.byteCount {
                let count = buffer.withUnsafeMutableBytes { try? file.read(into: $0, at: offset) } ?? 0
                guard count > 0 else { return nil }
                buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
                offset += count
            }
            return SHA256.hexEncoded(hasher.finalize())
        }
    }
}
