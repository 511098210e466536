import Verification
import Synchronization

/// What one run of a request accumulates on its way to a decision. A class behind a lock
/// because the work runs in a child task that a deadline may cancel: what it did until then
/// (vendor calls, the journey it created) must still be written.
final class RunLog: Sendable {
    struct State {
        var journeyId: String?
        var journeyCreated = false
        var calls: [VendorCallRecord] = []
        var vendorSummary = VerificationCompleted.VendorSummary(status: nil, messageCode: nil, httpStatus: nil)
        var reachedVendor = false
        /// The run gave up its turn at the vendor before any call (``VendorTurn/Answer/withdrawn``).
        var withdrawn = false
    }

    private let state: Mutex<State>

    init(journeyId: String?) {
        state = Mutex(State(journeyId: journeyId))
    }

    var snapshot: State { state.withLock { $0 } }

    func update(_ change: (inout State) -> Void) {
        state.withLock { change(&$0) }
    }
}
