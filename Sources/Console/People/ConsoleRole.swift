/// What a console user may do. Checked on the server for every route.
public enum ConsoleRole: String, Sendable, CaseIterable, Codable {
    /// Reads decisions, history and the queue; changes nothing.
    case viewer
    /// Also reviews decisions, and confirms or declines others' four-eyes actions.
    case reviewer
    /// Also everything administrators do in the console (dead-letter replay).
    case admin

    public var mayReview: Bool { self != .viewer }
}
