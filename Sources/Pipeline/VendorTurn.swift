/// A request's turn at the vendor. The consumer starts a few more requests than may call the
/// vendor at once, so that the next call goes out as soon as one ends instead of after a claim
/// and an image load; a started request takes its turn once its images are loaded (before the
/// journey is created) and gives it back when its vendor calls end.
public struct VendorTurn: Sendable {
    /// What taking a turn gave.
    public enum Answer: Sendable {
        /// The calls may go out; `end` must follow.
        case granted
        /// The request must not call the vendor after all (shutdown, its partition revoked
        /// while it waited): it is left undecided and its claim taken back, as if it had never
        /// started.
        case withdrawn
        /// The task was cancelled while waiting (deadline, shutdown).
        case cancelled
    }

    let begin: @Sendable () async -> Answer
    let end: @Sendable () -> Void

    public init(begin: @escaping @Sendable () async -> Answer, end: @escaping @Sendable () -> Void) {
        self.begin = begin
        self.end = end
    }

    /// No limit of its own: every started request calls at once.
    public static let unlimited = VendorTurn(begin: { Task.isCancelled ? .cancelled : .granted }, end: {})
}
