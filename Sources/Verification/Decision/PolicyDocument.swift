import Foundation

/// Everything that decides an outcome, as one JSON document: the thresholds with their rules,
/// the review bands, and the reason → next-action table with its precedence. Its canonical
/// form (sorted keys, no spaces) is what `DecisionPolicy.hash` hashes, so changing any number
/// or any row of the table gives a new policy hash.
///
/// The table lists the reason words as patterns: `vendor_error:*` stands for every vendor code
/// without a row of its own, `image_unavailable:*` for every image role.
struct PolicyDocument: Encodable {
    struct Checks: Encodable {
        var faceConfidence: Double
        var liveness: Double
        var captureLiveness: Double
    }

    struct NextActions: Encodable {
        var byDecision: [String: String]
        var byReason: [String: String]
        var precedence: [String]
    }

    var thresholds: Checks
    var reviewBands: Checks
    var rules: [String: String]
    var nextAction: NextActions

    init(thresholds t: Thresholds) {
        thresholds = Checks(faceConfidence: t.faceConfidence, liveness: t.liveness, captureLiveness: t.captureLiveness)
        reviewBands = Checks(
            faceConfidence: t.faceConfidenceReviewBand, liveness: t.livenessReviewBand, captureLiveness: t.captureLivenessReviewBand)
        rules = Dictionary(uniqueKeysWithValues: CheckOutcome.Check.allCases.map { ($0.rawValue, $0.rule) })
        var byReason: [String: String] = [:]
        for reason in Self.errorReasons { byReason[reason.word] = NextAction.action(of: reason).rawValue }
        for code in NextAction.retakeCodes { byReason[Reason.vendorError(code).word] = NextAction.retakePhotos.rawValue }
        byReason["vendor_error:*"] = NextAction.action(of: .vendorError("*")).rawValue
        byReason["image_unavailable:*"] = NextAction.action(of: .imageUnavailable(.idCard)).rawValue
        byReason["image_forbidden:*"] = NextAction.action(of: .imageForbidden(.idCard)).rawValue
        nextAction = NextActions(
            byDecision: [
                Decision.approved.rawValue: NextAction.of(.approved, reasons: []).rawValue,
                Decision.rejected.rawValue: NextAction.of(.rejected, reasons: []).rawValue,
                Decision.review.rawValue: NextAction.of(.review, reasons: []).rawValue,
            ],
            byReason: byReason,
            precedence: NextAction.errorPrecedence.map(\.rawValue))
    }

    /// The reasons of `error` decisions that have a row of their own.
    private static let errorReasons: [Reason] = [
        .vendorUnavailable, .deadlineExceeded, .processingFailed, .incompleteVendorResponse, .requestTooLarge,
        .imageInvalid(.idCard), .imageInvalid(.best), .imageInvalid(.mobileSdkData),
    ]

    var canonicalJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Plain strings and numbers cannot fail to encode.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }
}
