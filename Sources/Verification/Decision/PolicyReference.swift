/// The policy a decision was made by, as events and rows name it: its id (`POLICY_ID`) and
/// the hash of its canonical JSON (`DecisionPolicy.hash`).
public struct PolicyReference: Sendable, Equatable, Codable {
    public var id: String
    public var hash: String

    public init(id: String, hash: String) {
        self.id = id
        self.hash = hash
    }
}
