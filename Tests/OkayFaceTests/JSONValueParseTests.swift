import Foundation
import JSONReading
import Simulator
import TestSupport
import Testing

@testable import OkayFace

/// `JSONValue.parse` reads vendor answers: RFC 8259, strictly (a body that is not JSON is
/// no answer), and leniently per value (a value Foundation cannot hold is `.unsupported`).
/// `JSONSerialization`, Foundation's strict parser, is the yardstick.
@Suite(.offCooperativePool)
struct JSONValueParseTests {
    /// `JSONSerialization`'s reading as a `JSONValue`; nil when it refuses the body.
    private func reference(_ body: [UInt8]) -> JSONValue? {
        guard let any = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else { return nil }
        return Self.value(any)
    }

    private static func value(_ any: Any) -> JSONValue {
        switch any {
        case is NSNull: return .null
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" { return .bool(number.boolValue) }
            return number.doubleValue.isFinite ? .number(number.doubleValue) : .unsupported
        case let text as String: return .string(text)
        case let array as [Any]: return .array(array.map(value))
        case let object as [String: Any]: return .object(object.mapValues(value))
        default: return .unsupported
        }
    }

    private static func containsUnsupported(_ value: JSONValue) -> Bool {
        switch value {
        case .unsupported: true
        case .array(let array): array.contains(where: containsUnsupported)
        case .object(let object): object.values.contains(where: containsUnsupported)
        default: false
        }
    }

    /// Equal to the reference, but for where the two rules differ on purpose:
    /// - the reference refuses a body for a value it cannot hold (a number beyond `Double`,
    ///   bytes that are not UTF-8), where the parser keeps the rest (`.unsupported` in place,
    ///   an entry with such a key dropped);
    /// - the reference also takes a trailing comma and a byte order mark, which RFC 8259 does not.
    private func agrees(_ body: [UInt8]) -> Bool {
        let parsed = JSONValue.parse(body)
        let expected = reference(body)
        if parsed == expected { return true }
        if expected == nil, let parsed {
            return Self.containsUnsupported(parsed) || String(validating: body, as: UTF8.self) == nil
        }
        if parsed == nil, expected != nil { return Self.hasTrailingCommaOrMark(body) }
        return false
    }

    /// Strict (the requests' reading): the reference's value exactly, or refused where the
    /// reference takes a trailing comma or a byte order mark.
    private func agreesStrictly(_ body: [UInt8]) -> Bool {
        let parsed = JSONValue.parse(body, strict: true)
        let expected = reference(body)
        if parsed == expected { return true }
        return parsed == nil && Self.hasTrailingCommaOrMark(body)
    }

    private static func hasTrailingCommaOrMark(_ body: [UInt8]) -> Bool {
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { return true }
        let significant = body.filter { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        return zip(significant, significant.dropFirst()).contains { $0 == UInt8(ascii: ",") && ($1 == UInt8(ascii: "}") || $1 == UInt8(ascii: "]")) }
    }

    private static let cases: [String] = [
        #"{"status":"success","messageCode":"api.success","imageBestLiveness":{"probability":0.92135316}}"#,
        #"  {"a" : [1, -2.5e3, 0, -0, 1E+2, 1e-2, true, false, null, "x"] }  "#,
        #"{"big":1e400,"small":1e-400,"ok":1}"#,
        #"{"long":123456789012345678901234567890}"#,
        #"{"s":"a\"b\\c\/d\b\f\n\r\t\u00e9\u20AC\ud83d\ude00"}"#,
        #"{"lone":"\ud800","rest":1}"#, #"{"low":"\udc00x"}"#, #"{"bad":"\x"}"#, #"{"u":"\u12"}"#,
        #"{"dup":1,"dup":2}"#, #"[]"#, #"{}"#, #"[[[[]]]]"#, #""text""#, "1", "-", "01", "[01]", "1.", ".5", "1e", "+1",
        #"{"a":1,}"#, #"[1,]"#, #"{"a" 1}"#, #"{a:1}"#, "nul", "true false", "{\"c\":\"\u{1}\"}", "\u{FEFF}{}",
        #"{"nested":{"error":"FACE_NOT_FOUND","probability":"0.5"}}"#, "{\"tab\":\"a\tb\"}",
    ]

    @Test("hand-picked bodies: what JSONSerialization reads, strictly")
    func casesMatchTheReference() {
        for text in Self.cases {
            #expect(agrees(Array(text.utf8)), "\(text)")
            #expect(agreesStrictly(Array(text.utf8)), "strict: \(text)")
        }
        let parse = { (text: String) in JSONValue.parse(Array(text.utf8)) }
        #expect(parse(#"{"big":1e400,"ok":1}"#) == .object(["big": .unsupported, "ok": .number(1)]))
        #expect(parse(#"{"lone":"\ud800","rest":1}"#) == .object(["lone": .unsupported, "rest": .number(1)]))
        #expect(parse(#"{"s":"\u00e9\ud83d\ude00\/"}"#) == .object(["s": .string("é😀/")]))
        #expect(parse(#"{"dup":1,"dup":2}"#) == .object(["dup": .number(2)]))
        for refused in [#"{"a":1,}"#, "[1,]", "01", "[01]", "1.", "+1", "\u{FEFF}{}", "{\"c\":\"\u{1}\"}", #"{"bad":"\x"}"#, "true false"] {
            #expect(parse(refused) == nil, "\(refused)")
        }
    }

    @Test("bytes that are not UTF-8, and nesting beyond 512")
    func invalidBytesAndDepth() {
        let notUTF8 = Array(#"{"a":""#.utf8) + [0xFF] + Array(#"","b":1}"#.utf8)
        #expect(JSONValue.parse(notUTF8) == .object(["a": .unsupported, "b": .number(1)]))
        #expect(JSONValue.parse(Array(#"{"a":""#.utf8) + [0xC3, 0xA9] + Array(#""}"#.utf8)) == .object(["a": .string("é")]))
        let deep = { (n: Int) in Array(repeating: UInt8(ascii: "["), count: n) + Array(repeating: UInt8(ascii: "]"), count: n) }
        #expect(JSONValue.parse(deep(512)) != nil)
        #expect(JSONValue.parse(deep(513)) == nil)
    }

    @Test("5,000 mutated vendor answers: what JSONSerialization reads")
    func mutatedAnswersMatchTheReference() {
        let samples = [
            #"{"status":"success","messageCode":"api.success","imageBestLiveness":{"probability":0.92135316},"imageBestCaptureLiveness":{"probability":1.0,"score":0.1745683},"result_idcard":{"confidence":100.0}}"#,
            #"{"status":"error","message":"INVALID_JOURNEY_ID","error":"x\u00e9\n","list":[1,2,{"k":null}]}"#,
        ].map { Array($0.utf8) }
        let alphabet = Array(#"{}[]":,.-+eE0123456789 \u/tfn"#.utf8) + [0, 0xFF, 0xC3, 0xA9]
        var random = SplitMix64(seed: 7)
        var readable = 0
        for n in 0..<5000 {
            let body = mutated(samples[n % samples.count], alphabet: alphabet, random: &random)
            if reference(body) != nil { readable += 1 }
            #expect(agrees(body), "\(String(decoding: body, as: UTF8.self))")
            #expect(agreesStrictly(body), "strict: \(String(decoding: body, as: UTF8.self))")
        }
        // Both kinds are exercised: bodies that still parse and bodies that no longer do.
        #expect(readable > 500 && readable < 4500)
    }
}
