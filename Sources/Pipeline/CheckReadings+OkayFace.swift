import OkayFace
import Verification

extension CheckReadings {
    /// What an OkayFace Plus answer measured, in the domain's words (README, Decision policy):
    /// `result_idcard.confidence`, `imageBestLiveness.probability`,
    /// `imageBestCaptureLiveness.probability`, and the vendor's code when it refused.
    public init(_ response: OkayFacePlusResponse) {
        self.init(
            faceConfidence: Reading(response.faceConfidence), liveness: Reading(response.liveness),
            captureLiveness: Reading(response.captureLiveness), captureLivenessScore: response.captureLivenessScore,
            refusal: response.errorCode)
    }
}

extension CheckReadings.Reading {
    init(_ score: VendorScore) {
        switch score {
        case .value(let v): self = .value(v)
        case .error(let code): self = .error(code)
        case .missing: self = .missing
        }
    }
}
