import Blocking
/// The lifecycle of a `KafkaConsumer`: methods decide, the consumer carries out the returned action.
struct ConsumerStateMachine: ~Copyable {
    private enum State {
        /// Created and subscribed; nothing polls yet.
        case initialized
        /// The poll thread runs. `pollThreadID` is filled in by the thread itself before it calls
        /// the handler, so a `close()` made from the handler can recognise its own thread.
        case running(thread: JoinableThread?, pollThreadID: UInt?)
        /// `close()` was called from the handler; the poll thread shuts down when its loop ends.
        case closingOnPollThread(JoinableThread)
        /// `close()` has been called; shutdown is under way on some thread.
        case closing
        case closed
    }

    private var state = State.initialized

    enum StartAction {
        case startPolling
        case ignore(reason: String)
    }

    mutating func start() -> StartAction {
        switch state {
        case .initialized:
            state = .running(thread: nil, pollThreadID: nil)
            return .startPolling
        case .running: return .ignore(reason: "already started")
        case .closingOnPollThread, .closing, .closed: return .ignore(reason: "closed")
        }
    }

    mutating func pollThreadStarted(_ thread: JoinableThread) {
        if case .running(nil, let id) = state { state = .running(thread: thread, pollThreadID: id) }
    }

    mutating func pollThreadRunning(id: UInt) {
        if case .running(let thread, nil) = state { state = .running(thread: thread, pollThreadID: id) }
    }

    enum CloseAction {
        /// Nothing polls: shut down on the caller's thread.
        case shutDownHere
        /// Stop the poll thread, join it, then shut down on the caller's thread.
        case stopJoinAndShutDown(JoinableThread)
        /// `close()` came from the handler on the poll thread: it shuts down itself once the
        /// handler returns, since a thread cannot join itself.
        case stopAndLetPollThreadShutDown
        case none
    }

    mutating func close(callerThreadID: UInt) -> CloseAction {
        switch state {
        case .initialized:
            state = .closing
            return .shutDownHere
        case .running(let thread, let pollThreadID):
            // `start()` stores the thread before releasing the lock, so it is set here.
            guard let thread else {
                state = .closing
                return .shutDownHere
            }
            if pollThreadID == callerThreadID {
                state = .closingOnPollThread(thread)
                return .stopAndLetPollThreadShutDown
            }
            state = .closing
            return .stopJoinAndShutDown(thread)
        case .closingOnPollThread, .closing, .closed:
            return .none
        }
    }

    /// Called by the poll thread when its loop ends; returns the thread when the shutdown is its
    /// job (so it can detach itself), `nil` when the thread that stopped it will join and shut down.
    mutating func pollLoopEnded() -> JoinableThread? {
        guard case .closingOnPollThread(let thread) = state else { return nil }
        state = .closing
        return thread
    }

    mutating func shutDownFinished() {
        state = .closed
    }
}
