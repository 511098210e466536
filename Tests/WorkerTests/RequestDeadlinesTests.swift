import Synchronization
import Testing
@testable import Pipeline

/// The shared deadline watch on instants of the test's choosing: a request expires once, only
/// after its deadline, never once removed, and never while vendor calls are held.
struct RequestDeadlinesTests {
    private final class Expiries: Sendable {
        let count = Atomic<Int>(0)
        func record() { count.add(1, ordering: .relaxed) }
        var value: Int { count.load(ordering: .relaxed) }
    }

    @Test func aRequestExpiresOnceAfterItsDeadline() {
        let deadlines = RequestDeadlines(access: VendorAccess())
        let expiries = Expiries()
        let start = ContinuousClock.now
        let ticket = deadlines.register(deadline: .seconds(10)) { expiries.record() }
        deadlines.expireDue(at: start + .seconds(5))
        #expect(expiries.value == 0)
        #expect(!ticket.isExpired)
        deadlines.expireDue(at: start + .seconds(11))
        deadlines.expireDue(at: start + .seconds(12))
        #expect(expiries.value == 1)
        #expect(ticket.isExpired)
        deadlines.remove(ticket)
        #expect(ticket.isExpired)
        #expect(deadlines.count == 0)
    }

    @Test func aRemovedRequestNeverExpiresAndOthersStillDo() {
        let deadlines = RequestDeadlines(access: VendorAccess())
        let expiries = Expiries()
        let start = ContinuousClock.now
        let finished = deadlines.register(deadline: .seconds(1)) { expiries.record() }
        let later = deadlines.register(deadline: .seconds(20)) { expiries.record() }
        let hung = deadlines.register(deadline: .seconds(2)) { expiries.record() }
        deadlines.remove(finished)
        deadlines.expireDue(at: start + .seconds(3))
        #expect(!finished.isExpired)
        #expect(hung.isExpired)
        #expect(!later.isExpired)
        #expect(expiries.value == 1)
        deadlines.expireDue(at: start + .seconds(21))
        #expect(later.isExpired)
        #expect(expiries.value == 2)
    }

    @Test func nothingExpiresWhileCallsAreHeld() {
        let access = VendorAccess()
        let deadlines = RequestDeadlines(access: access)
        let expiries = Expiries()
        let start = ContinuousClock.now
        let ticket = deadlines.register(deadline: .seconds(1)) { expiries.record() }
        access.circuitChanged(open: true)
        deadlines.expireDue(at: start + .seconds(60))
        #expect(expiries.value == 0)
        access.circuitChanged(open: false)
        // The hold is over: what it lasted is added to the deadline, which has still passed
        // long before a minute from the start.
        deadlines.expireDue(at: .now + .seconds(60))
        #expect(ticket.isExpired)
        #expect(expiries.value == 1)
    }

    /// A hold that lasted from the request's start to its deadline moves the deadline out by
    /// as much: the hold's length is measured on the real clock, so only its lower bound is known.
    @Test func timeHeldBeforeTheRequestStartedDoesNotCount() {
        let access = VendorAccess()
        access.circuitChanged(open: true)
        access.circuitChanged(open: false)
        let deadlines = RequestDeadlines(access: access)
        let expiries = Expiries()
        let start = ContinuousClock.now
        let ticket = deadlines.register(deadline: .seconds(10)) { expiries.record() }
        deadlines.expireDue(at: start + .seconds(9))
        #expect(!ticket.isExpired)
        deadlines.expireDue(at: .now + .seconds(11))
        #expect(ticket.isExpired)
    }
}
