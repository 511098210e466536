/// A unit of work queued on a ``PostgresPool``: exactly one of `run` or `fail` is called, once.
struct PoolJob: Sendable {
    /// Called on a pool thread with that thread's healthy connection.
    let run: @Sendable (PostgresConnection) -> Void
    /// Called when no connection could be made for the job, or the pool closed before it ran.
    let fail: @Sendable (any Error) -> Void
}
