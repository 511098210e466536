/// Counters of what an ``OkayFaceSimulator`` has served since start or the last
/// ``OkayFaceSimulator/resetStats()``; tests and benchmarks assert on them.
public struct SimulatorStats: Sendable, Equatable {
    /// Journeys created by successful Create JourneyID calls.
    public var journeysCreated: Int
    /// Every OkayFace Plus call received, whatever its answer.
    public var okayFaceCalls: Int
    /// OkayFace Plus calls answered HTTP 200 (including ones whose objects carry a face-quality `error`).
    public var okayFaceSuccesses: Int
    /// OkayFace Plus calls answered with any other HTTP status (400, 429, 5xx).
    public var okayFaceErrors: Int
    /// OkayFace Plus calls per `journeyId` form value as sent (unknown ids included), for
    /// checking retry and idempotency behaviour. Calls whose body could not be parsed have no
    /// journey and are not counted here.
    public var callsPerJourney: [String: Int]
    /// OkayFace Plus calls by the second (Unix time) they arrived in, whatever their answer:
    /// what a per-second quota sees.
    public var okayFaceCallsPerSecond: [Int: Int] = [:]
    /// OkayFace Plus calls refused by the quota (`--max-rps`): HTTP 429 `MAX_API_CALL_EXCEEDED`.
    public var quotaRefusals = 0

    /// Stats with the given counts; all zero by default.
    public init(
        journeysCreated: Int = 0,
        okayFaceCalls: Int = 0,
        okayFaceSuccesses: Int = 0,
        okayFaceErrors: Int = 0,
        callsPerJourney: [String: Int] = [:]
    ) {
        self.journeysCreated = journeysCreated
        self.okayFaceCalls = okayFaceCalls
        self.okayFaceSuccesses = okayFaceSuccesses
        self.okayFaceErrors = okayFaceErrors
        self.callsPerJourney = callsPerJourney
    }
}
