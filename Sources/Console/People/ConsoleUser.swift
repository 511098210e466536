/// A person the console authenticated: their name is who a review, a confirmation or an
/// audit row names, never a field of the request.
public struct ConsoleUser: Sendable, Equatable {
    public var name: String
    public var role: ConsoleRole

    public init(name: String, role: ConsoleRole) {
        self.name = name
        self.role = role
    }

    /// Whether `name` can be a user's name (the `console_users` check): 1–64 letters, digits,
    /// `.`, `_`, `@`, `-`, starting with a letter or digit.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.first, name.count <= 64, first.isASCII, first.isLetter || first.isNumber else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._@-".contains($0)) }
    }
}
