import Blocking
import HummingbirdBcrypt

/// Console passwords: bcrypt hashes (cost 12), computed off Swift's cooperative threads
/// because each takes a quarter of a second of CPU on purpose.
public enum Passwords {
    public static let cost: UInt8 = 12
    /// bcrypt reads at most 72 bytes; a longer password would be silently cut, so it is refused.
    public static let maxBytes = 72
    public static let minCharacters = 12

    /// Why `password` cannot be used, or nil.
    public static func problem(_ password: String) -> String? {
        if password.count < minCharacters { return "a password needs at least \(minCharacters) characters" }
        if password.utf8.count > maxBytes { return "a password can have at most \(maxBytes) bytes (bcrypt ignores the rest)" }
        if password.contains("\0") { return "a password cannot contain a NUL character" }
        return nil
    }

    public static func hash(_ password: String) async -> String {
        await BlockingWork.run { Bcrypt.hash(password, cost: cost) }
    }

    public static func verify(_ password: String, hash: String) async -> Bool {
        await BlockingWork.run { Bcrypt.verify(password, hash: hash) }
    }

    /// Verifies against a hash of no one's password, for a user who does not exist, so a wrong
    /// name and a wrong password take the same time.
    public static func verifyDecoy(_ password: String) async {
        await BlockingWork.run { _ = Bcrypt.verify(password, hash: decoy) }
    }

    /// Made on first use, on a blocking thread (`verifyDecoy`).
    private static let decoy = Bcrypt.hash("not anyone's password, only for timing", cost: cost)
}
