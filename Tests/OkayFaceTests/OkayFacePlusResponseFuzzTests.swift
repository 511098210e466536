import OkayFace
import Simulator
import TestSupport
import Testing

@Suite("OkayFacePlusResponse.parse under mutation", .offCooperativePool)
struct OkayFacePlusResponseFuzzTests {
    @Test func mutatedSamplesNeverTrapAndKeepTheirInvariants() {
        let sample = Array("""
            {"status":"success","messageCode":"api.success","imageBestLiveness":{"probability":0.92135316},\
            "imageBestCaptureLiveness":{"probability":1.0,"score":0.1745683},"result_idcard":{"confidence":100.0}}
            """.utf8)
        let alphabet = Array(#"{}[]":,.-+eE0123456789 \u"#.utf8) + [0, 0xFF, 0xC3]
        // Seeded, so a failure reproduces.
        var random = SplitMix64(seed: 42)
        for _ in 0..<3000 {
            let body = mutated(sample, alphabet: alphabet, random: &random)
            let status = [200, 400, 500][Int(random.next() % 3)]
            let response = OkayFacePlusResponse.parse(httpStatus: status, body: body)
            #expect(response.httpStatus == status)
            #expect(response.isSuccess == (response.errorCode == nil))
            if status != 200 { #expect(!response.isSuccess) }
        }
    }
}
