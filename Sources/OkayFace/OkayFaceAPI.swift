/// The seam the verification pipeline depends on (tests and other vendors can conform).
public protocol OkayFaceAPI: Sendable {
    /// Starts a journey and returns its id.
    func createJourney() async throws(OkayFaceJourneyError) -> String
    /// Makes exactly one OkayFace Plus v1 call; never retries.
    func verify(_ request: OkayFacePlusRequest) async -> OkayFaceCallOutcome
}
