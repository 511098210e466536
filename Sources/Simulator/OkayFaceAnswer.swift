/// The HTTP 200 body of OkayFace Plus, written by hand so that key order, number form
/// (`100.0` or `100`) and per-object `error`s match the vendor exactly.
struct OkayFaceAnswer: Sendable, Equatable {
    /// What one result object carries.
    enum Outcome<Value: Sendable & Equatable>: Sendable, Equatable {
        case value(Value)
        case error(String)
        case omitted
    }

    /// `imageBestCaptureLiveness`'s two numbers.
    struct CaptureLiveness: Sendable, Equatable {
        var probability: Double
        var score: Double
    }

    var liveness: Outcome<Double>
    var captureLiveness: Outcome<CaptureLiveness>
    var faceConfidence: Outcome<Double>
    /// Emit whole numbers as JSON integers.
    var integerNumbers: Bool = false

    /// The answer for `scores`, overridden field by field by `directive`.
    init(scores: Scores, directive: SimulateDirective?) {
        let omitted = Set(directive?.omit ?? [])
        let probability = directive?.captureLiveness ?? scores.captureLiveness
        let score =
            directive?.captureScore
            ?? (directive?.captureLiveness != nil ? ScoreModel.captureScore(forProbability: probability) : scores.captureScore)

        liveness = Self.outcome(directive?.liveness ?? scores.liveness, error: directive?.livenessError, omitted: omitted.contains("liveness"))
        captureLiveness = Self.outcome(
            CaptureLiveness(probability: probability, score: score),
            error: directive?.captureLivenessError,
            omitted: omitted.contains("captureLiveness")
        )
        faceConfidence = Self.outcome(
            directive?.faceConfidence ?? scores.faceConfidence,
            error: directive?.faceConfidenceError,
            omitted: omitted.contains("faceConfidence")
        )
        integerNumbers = directive?.intScores ?? false
    }

    private static func outcome<Value>(_ value: Value, error: String?, omitted: Bool) -> Outcome<Value> {
        if omitted { return .omitted }
        if let error { return .error(error) }
        return .value(value)
    }

    /// The body, in the vendor's key order.
    var json: String {
        var fields = [#""status":"success""#, #""messageCode":"api.success""#]
        if let object = object(liveness, { #"{"probability":\#(number($0))}"# }) {
            fields.append(#""imageBestLiveness":\#(object)"#)
        }
        if let object = object(captureLiveness, { #"{"probability":\#(number($0.probability)),"score":\#(number($0.score))}"# }) {
            fields.append(#""imageBestCaptureLiveness":\#(object)"#)
        }
        if let object = object(faceConfidence, { #"{"confidence":\#(number($0))}"# }) {
            fields.append(#""result_idcard":\#(object)"#)
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    private func object<Value>(_ outcome: Outcome<Value>, _ render: (Value) -> String) -> String? {
        switch outcome {
        case .value(let value): render(value)
        case .error(let code): #"{"error":\#(JSONText.string(code))}"#
        case .omitted: nil
        }
    }

    private func number(_ value: Double) -> String {
        JSONText.number(value, integerWhenWhole: integerNumbers)
    }
}
