import Digest

/// API tokens and session ids: 32 random bytes, shown once; only their SHA-256 is stored, so a
/// copy of the database opens no console.
public enum SecretToken {
    /// A new token: `prefix` and 64 hex digits from the system's random source.
    public static func make(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + SHA256.hexEncoded(bytes)
    }

    /// What is stored of `token`.
    public static func hash(_ token: String) -> String {
        SHA256.hex(Array(token.utf8))
    }
}
