/// The seam the verification pipeline depends on (tests and other vendors can conform). Both
/// calls report what happened the same way, so one loop retries, holds and records them.
public protocol OkayFaceAPI: Sendable {
    /// Makes exactly one Create JourneyID call; its answer is the journey id.
    func createJourney() async -> OkayFaceCallOutcome<String>
    /// Makes exactly one OkayFace Plus v1 call; never retries.
    func verify(_ request: OkayFacePlusRequest) async -> OkayFaceCallOutcome<OkayFacePlusResponse>
}
