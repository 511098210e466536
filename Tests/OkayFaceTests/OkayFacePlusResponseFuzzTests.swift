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
            var body = sample
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let position = Int(random.next() % UInt64(body.count))
                switch random.next() % 3 {
                case 0: body[position] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                case 1: body.remove(at: position)
                default: body.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: position)
                }
            }
            let status = [200, 400, 500][Int(random.next() % 3)]
            let response = OkayFacePlusResponse.parse(httpStatus: status, body: body)
            #expect(response.httpStatus == status)
            #expect(response.isSuccess == (response.errorCode == nil))
            if status != 200 { #expect(!response.isSuccess) }
        }
    }
}
