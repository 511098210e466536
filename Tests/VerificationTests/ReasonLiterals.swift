import OkayFace
import Pipeline
import Verification

// The tests write reasons as the words the contract publishes (`"face_mismatch"`), and drive
// the policy with real vendor answers through the pipeline's mapping.
extension Reason: ExpressibleByStringLiteral {
    public init(stringLiteral word: String) {
        guard let reason = Reason(word: word) else { fatalError("no reason is written \(word)") }
        self = reason
    }
}

extension DecisionPolicy {
    func decide(_ response: OkayFacePlusResponse) -> Verdict { decide(CheckReadings(response)) }
}
