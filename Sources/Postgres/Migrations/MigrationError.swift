/// Why migrations were not loaded or not (all) applied; the message names the file or version.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
