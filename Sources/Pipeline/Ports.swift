import Verification
import Payload

// The seams of the pipeline: each is implemented by an adapter module (Postgres store,
// image store, Kafka dead-letter producer, outbox relay) and, in unit tests, by small
// in-memory conformances.

/// Durable storage of decisions.
public protocol ResultStore: Sendable {
    /// The idempotency check, and a claim on the request when it has no decision yet: each
    /// start of work on a request is counted, so a later run knows about the earlier ones. The
    /// run also counts as one that may call OkayFace Plus until it ends: its decision records
    /// whether it did, and `releaseClaim` takes the count back when it did not. A run that dies
    /// keeps it, so repeated vendor calls are never under-counted.
    func claim(requestId: String, worker: String) async throws -> ClaimOutcome
    /// A claim on a decided request for a re-drive of its revision `fromRevision`: only while
    /// that revision is in force and retryable (else `.alreadyDecided`: a later revision, a
    /// review, or another re-drive came first).
    func claimRedrive(requestId: String, fromRevision: Int, worker: String) async throws -> ClaimOutcome
    /// Takes back this run's count of a claim: the run ends without a decision on purpose
    /// (shutdown, a revoked partition), so it must not count towards the runs that make a
    /// request poison; and its count as a vendor run unless it `reachedVendor`. Only a run
    /// that dies keeps its counts.
    func releaseClaim(requestId: String, reachedVendor: Bool) async throws
    /// Writes the record in one transaction. When another worker decided the same request
    /// first, nothing is written and `.alreadyDecided` is returned. A re-drive's record
    /// (`redriveOf`) is the next revision of the decision's row, written only while the
    /// revision it re-drove is still in force.
    func save(_ record: VerificationRecord) async throws -> SaveOutcome
    /// What was stored of an already-decided request, to tell a redelivery from a different
    /// request that reuses its id; nil when the request row is gone (purged) or never written.
    func storedRequest(requestId: String) async throws -> StoredRequest?
}

/// The vendor budget the replicas of a fleet share (`OKAYFACE_FLEET_MAX_RPS`): every OkayFace
/// Plus call takes a grant first, and the budget hears of each quota answer, so the fleet's rate
/// drops at once and climbs back slowly. Implemented on PostgreSQL by the worker.
public protocol VendorBudget: Sendable {
    /// Returns once a call may go out. Throws `CancellationError` when the task is (or gets)
    /// cancelled.
    func acquire() async throws -> VendorBudgetGrant
    /// The vendor's quota refused a call made on `grant`; `retryAfter` as it answered.
    func throttled(_ grant: VendorBudgetGrant, retryAfter: Duration?)
}

/// One call's share of a ``VendorBudget``: which rate it was granted under, so that quota
/// answers to calls sent before the rate last dropped do not drop it again.
public struct VendorBudgetGrant: Sendable, Equatable {
    public var generation: Int64

    public init(generation: Int64) { self.generation = generation }
}

/// The parts of a stored request that make it the same request: a second event with the
/// same `requestId` that differs in any of them is a conflicting duplicate, not a redelivery.
public struct StoredRequest: Sendable, Equatable {
    public var images: [ImageRole: String]
    public var subject: String?
    public var journeyId: String?
    /// The worker created the journey (the event had none), so the stored id is not the event's.
    public var journeyCreated: Bool

    public init(images: [ImageRole: String], subject: String?, journeyId: String?, journeyCreated: Bool) {
        self.images = images
        self.subject = subject
        self.journeyId = journeyId
        self.journeyCreated = journeyCreated
    }

    /// The fields of `request` that differ from this stored one, by their event names.
    public func differences(from request: VerificationRequested) -> [String] {
        var fields: [String] = []
        for role in ImageRole.allCases where images[role] != request.images[role] { fields.append("images.\(role.rawValue)") }
        if subject != request.subject { fields.append("subject") }
        let storedJourney = journeyCreated ? nil : journeyId
        if storedJourney != request.journeyId { fields.append("journeyId") }
        return fields
    }
}

/// What `ResultStore.claim` found.
public enum ClaimOutcome: Sendable, Equatable {
    /// The request has a decision already: nothing to do.
    case alreadyDecided
    /// No decision yet. `runs` counts the starts on this request, this one included;
    /// `earlierVendorRuns` how many earlier runs may have reached the vendor (they died after
    /// their claim and before their decision was written).
    case claimed(runs: Int, earlierVendorRuns: Int)
}

/// What `ResultStore.save` did.
public enum SaveOutcome: Sendable, Equatable {
    case saved(OutboxEntry)
    case alreadyDecided
}

/// An event waiting in the outbox table to be published: to its own `topic`, keyed by its
/// request id, so events of any kind (a decision, a reviewed revision) go through one outbox.
public struct OutboxEntry: Sendable, Equatable {
    public var id: Int64
    public var requestId: String
    public var topic: String
    public var payload: [UInt8]

    public init(id: Int64, requestId: String, topic: String, payload: [UInt8]) {
        self.id = id
        self.requestId = requestId
        self.topic = topic
        self.payload = payload
    }
}

/// Receives outbox rows right after their transaction committed (the fast path); rows it
/// fails to publish are found again by the relay's recovery scan.
public protocol ResultPublisher: Sendable {
    func publishCommitted(_ entries: [OutboxEntry])
}

/// The dead-letter topic. Returns only when the copy is durable in Kafka.
public protocol DeadLetterSink: Sendable {
    func deadLetter(_ message: IncomingMessage, error: InvalidRequest) async throws
}

/// Why an image could not be used.
public enum ImageLoadFailure: Error, Sendable, Equatable {
    /// The URI is outside the allow-list, uses a scheme that is not allowed, names an address
    /// that may not be reached, or its server redirected: never read (or not followed).
    case forbidden(String)
    /// The image does not exist or could not be fetched.
    case unavailable(String)
    /// The bytes are not an acceptable image.
    case invalid(String)
    /// More bytes than one image may have (``ImageLimits/maxImageBytes``).
    case tooLarge
    /// The request's images together exceed its budget (``ImageLimits/requestBudget``).
    case requestTooLarge
}

/// URI → image payload.
public protocol ImageSource: Sendable {
    /// The image at `uri`: its bytes, or an opened file (local, or a download spooled to
    /// disk), so a request in flight need not hold the image in memory. The limits are
    /// enforced while reading, and up front when the size is known.
    func load(_ uri: String, limits: ImageLimits) async throws(ImageLoadFailure) -> ImagePayload

    /// True when ``load(_:limits:)`` answers `uri` without waiting on anything (a local file):
    /// the pipeline then reads a request's images one after another instead of in child tasks.
    func readsAtOnce(_ uri: String) -> Bool
}

extension ImageSource {
    public func readsAtOnce(_ uri: String) -> Bool { false }
}
