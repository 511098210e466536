import Foundation
import Testing
import Verification

/// The result event and the `checks` column are written by hand (`JSONText`) instead of by
/// `JSONEncoder`; their bytes must stay exactly what `JSONEncoder` gives, since consumers and
/// the outbox see them. Many generated events, odd strings and numbers included.
struct JSONTextTests {
    /// A small deterministic generator: the same events on every run.
    private struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance() -> Bool { below(2) == 0 }
    }

    private static let pieces = [
        "a", "Z", "0", " ", "\"", "\\", "/", "é", "😀", "\u{7f}", "\u{2028}", "\u{0}", "\u{8}", "\t", "\n", "\u{c}", "\r",
        "\u{1}", "\u{1f}", "id-", "<script>", "ü",
    ]
    private static let numbers: [Double] = [
        0, -0.0, 1, 100, 75, 0.5, 0.1, 0.95, 0.30000000000000004, 1e-7, 2.5e-5, 12345.678, 1e16, 1e21,
        123_456_789_012_345_678, 99.99999999999999, 0.000123, -3.5,
    ]

    private func text(_ g: inout Generator) -> String {
        (0..<g.below(6)).map { _ in Self.pieces[g.below(Self.pieces.count)] }.joined()
    }

    private func number(_ g: inout Generator) -> Double {
        g.below(4) == 0 ? Double(g.below(1_000_000)) / Double(1 + g.below(1000)) : Self.numbers[g.below(Self.numbers.count)]
    }

    private func event(_ g: inout Generator) -> VerificationCompleted {
        let checks = (0..<g.below(4)).map { n in
            CheckOutcome.judge(
                CheckOutcome.Check.allCases[n], g.chance() ? number(&g) : nil, threshold: number(&g), band: g.chance() ? 0 : number(&g))
        }
        let reasons: [Reason] = [["liveness_failed"], [], ["image_unavailable:best", "liveness_failed"]][g.below(3)]
        let review =
            g.below(3) == 0
            ? Review(
                action: ReviewAction.allCases[g.below(ReviewAction.allCases.count)], reviewer: text(&g), reason: text(&g),
                reviewedAt: Date(timeIntervalSince1970: 1_795_688_000 + Double(g.below(100_000)) / 1000),
                confirmedBy: g.chance() ? text(&g) : nil)
            : nil
        return VerificationCompleted(
            requestId: text(&g), journeyId: g.chance() ? text(&g) : nil, subject: g.chance() ? text(&g) : nil,
            decision: Decision.allCases[g.below(Decision.allCases.count)], reasons: reasons,
            scores: Scores(
                faceConfidence: g.chance() ? number(&g) : nil, liveness: g.chance() ? number(&g) : nil,
                captureLiveness: g.chance() ? number(&g) : nil, captureLivenessScore: g.chance() ? number(&g) : nil),
            thresholds: Thresholds(
                faceConfidence: number(&g), liveness: number(&g), captureLiveness: number(&g),
                faceConfidenceReviewBand: g.chance() ? 0 : number(&g), livenessReviewBand: g.chance() ? 0 : number(&g),
                captureLivenessReviewBand: g.chance() ? 0 : number(&g)),
            vendor: .init(status: g.chance() ? text(&g) : nil, messageCode: g.chance() ? text(&g) : nil, httpStatus: g.chance() ? 200 + g.below(400) : nil),
            attempts: g.below(5), processedAt: Date(timeIntervalSince1970: 1_795_688_101 + Double(g.below(1_000_000)) / 1000),
            revision: 1 + g.below(4), policy: g.chance() ? PolicyReference(id: text(&g), hash: "sha256:" + text(&g)) : nil,
            checks: checks, nextAction: g.chance() ? nil : NextAction.allCases[g.below(NextAction.allCases.count)], review: review)
    }

    @Test("the event's bytes are JSONEncoder's, for 2,000 generated events")
    func eventBytesMatchJSONEncoder() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var g = Generator(state: 15)
        var reviewed = 0
        for _ in 0..<2000 {
            let event = event(&g)
            if event.review != nil { reviewed += 1 }
            let expected = String(decoding: try encoder.encode(event), as: UTF8.self)
            #expect(String(decoding: event.jsonBytes(), as: UTF8.self) == expected)
        }
        #expect(reviewed > 400)
    }

    @Test("the checks column's bytes are JSONEncoder's")
    func checksBytesMatchJSONEncoder() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var g = Generator(state: 7)
        for _ in 0..<500 {
            let checks = event(&g).checks
            #expect(String(decoding: CheckOutcome.jsonBytes(checks), as: UTF8.self) == String(decoding: try encoder.encode(checks), as: UTF8.self))
        }
    }
}
