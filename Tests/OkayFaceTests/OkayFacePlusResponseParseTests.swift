import OkayFace
import TestSupport
import Testing

private func parse(_ status: Int, _ text: String) -> OkayFacePlusResponse {
    OkayFacePlusResponse.parse(httpStatus: status, body: Array(text.utf8))
}

@Suite("OkayFacePlusResponse.parse on the vendor's documented bodies", .offCooperativePool)
struct OkayFacePlusResponseParseTests {
    @Test func successSample() {
        let response = parse(200, """
            {
              "status": "success",
              "messageCode": "api.success",
              "imageBestLiveness":        { "probability": 0.92135316 },
              "imageBestCaptureLiveness": { "probability": 1.0, "score": 0.1745683 },
              "result_idcard":            { "confidence": 100.0 }
            }
            """)
        #expect(response.isSuccess)
        #expect(response.errorCode == nil)
        #expect(response.status == "success")
        #expect(response.messageCode == "api.success")
        #expect(response.liveness == .value(0.92135316))
        #expect(response.captureLiveness == .value(1.0))
        #expect(response.captureLivenessScore == 0.1745683)
        #expect(response.faceConfidence == .value(100))
    }

    @Test func integersFloatsAndNumericStringsAreNumbers() {
        let response = parse(200, """
            {"status":"success","imageBestLiveness":{"probability":1},
             "imageBestCaptureLiveness":{"probability":"0.5","score":-16},
             "result_idcard":{"confidence":75}}
            """)
        #expect(response.liveness == .value(1))
        #expect(response.captureLiveness == .value(0.5))
        #expect(response.captureLivenessScore == -16)
        #expect(response.faceConfidence == .value(75))
        #expect(parse(200, #"{"result_idcard":{"confidence":7.5e1}}"#).faceConfidence == .value(75))
    }

    @Test func nonNumericValuesAreMissing() {
        let response = parse(200, """
            {"status":"success","imageBestLiveness":{"probability":"nan"},
             "imageBestCaptureLiveness":{"probability":true},
             "result_idcard":{"confidence":null}}
            """)
        #expect(response.liveness == .missing)
        #expect(response.captureLiveness == .missing)
        #expect(response.faceConfidence == .missing)
        #expect(parse(200, #"{"result_idcard":{"confidence":"0x1p3"}}"#).faceConfidence == .missing)
        #expect(parse(200, #"{"result_idcard":{"confidence":[1]}}"#).faceConfidence == .missing)
    }

    @Test func errorInsideEachObject() {
        let response = parse(200, """
            {"status":"success",
             "imageBestLiveness":{"error":"FACE_TOO_SMALL"},
             "imageBestCaptureLiveness":{"error":"EYES_CLOSED","score":1.5},
             "result_idcard":{"error":"FACE_NOT_FOUND","confidence":12}}
            """)
        #expect(response.isSuccess)
        #expect(response.liveness == .error("FACE_TOO_SMALL"))
        #expect(response.captureLiveness == .error("EYES_CLOSED"))
        #expect(response.captureLivenessScore == 1.5)
        // An error wins over a number in the same object.
        #expect(response.faceConfidence == .error("FACE_NOT_FOUND"))
        #expect(parse(200, #"{"result_idcard":{"error":"","confidence":80}}"#).faceConfidence == .value(80))
        #expect(parse(200, #"{"result_idcard":{"error":null,"confidence":80}}"#).faceConfidence == .value(80))
        #expect(parse(200, #"{"result_idcard":{"error":{"x":1}}}"#).faceConfidence == .error("UNRECOGNIZED_ERROR"))
    }

    @Test func missingObjectsAndMissingNumbers() {
        let response = parse(200, #"{"status":"success","imageBestLiveness":{},"imageBestCaptureLiveness":"odd"}"#)
        #expect(response.isSuccess)
        #expect(response.liveness == .missing)
        #expect(response.captureLiveness == .missing)
        #expect(response.captureLivenessScore == nil)
        #expect(response.faceConfidence == .missing)
    }

    @Test func badRequestWithAndWithoutMessage() {
        let withMessage = parse(400, #"{"status":"error","message":"INVALID_JOURNEY_ID"}"#)
        #expect(!withMessage.isSuccess)
        #expect(withMessage.message == "INVALID_JOURNEY_ID")
        #expect(withMessage.errorCode == "INVALID_JOURNEY_ID")
        #expect(withMessage.faceConfidence == .missing)

        let bare = parse(400, #"{"status":"error"}"#)
        #expect(bare.status == "error")
        #expect(bare.errorCode == "HTTP_400")

        let tooBig = parse(400, #"{"status":"error","message":"Request size exceed 5MB."}"#)
        #expect(tooBig.errorCode == "Request size exceed 5MB.")
    }

    @Test func internalServerErrorInStatus() {
        let response = parse(500, #"{"status":"Internal Server Error"}"#)
        #expect(response.status == "Internal Server Error")
        #expect(response.errorCode == "Internal Server Error")
    }

    @Test func frameworkErrorBody() {
        let response = parse(500, """
            {"timestamp":"2024-05-01T10:00:00.000+00:00","status":500,"error":"Internal Server Error","path":"/api/ekyc/okayface-plus/v1"}
            """)
        #expect(response.status == "500")
        #expect(response.topLevelError == "Internal Server Error")
        #expect(response.message == nil)
        #expect(response.errorCode == "500")
        #expect(parse(413, #"{"status":413.0,"error":"Payload Too Large"}"#).status == "413")
    }

    @Test func faceQualityCodeInA200() {
        let response = parse(200, #"{"status":"error","message":"FACE_TOO_SMALL"}"#)
        #expect(!response.isSuccess)
        #expect(response.errorCode == "FACE_TOO_SMALL")
        #expect(parse(200, #"{"status":"error","message":"Photo format error"}"#).errorCode == "Photo format error")
    }

    @Test(arguments: ["", "not json", "<html>502 Bad Gateway</html>", "[1,2,3]", "\"success\"", "{", "null", "{\"status\":", "\u{0}\u{1}"])
    func garbageBodiesStillYieldAValue(text: String) {
        let ok = parse(200, text)
        #expect(!ok.isSuccess)
        #expect(ok.errorCode == "UNPARSEABLE_RESPONSE")
        #expect(ok.faceConfidence == .missing && ok.liveness == .missing && ok.captureLiveness == .missing)
        #expect(parse(502, text).errorCode == "HTTP_502")
    }

    @Test func oddButValidJSONNeverTraps() {
        let bodies = [
            #"{"status":1e400,"result_idcard":{"confidence":1e400}}"#,
            #"{"status":["success"],"message":42,"error":{"a":1}}"#,
            #"{"imageBestLiveness":{"probability":-1e308}}"#,
            String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000),
            #"{"status":"success","status":"error"}"#,
        ]
        for body in bodies {
            let response = parse(200, body)
            #expect(response.httpStatus == 200)
        }
        #expect(parse(200, #"{"status":"success","result_idcard":{"confidence":1e400}}"#).faceConfidence == .missing)
        #expect(OkayFacePlusResponse.parse(httpStatus: 200, body: [0xFF, 0xFE, 0x7B]).errorCode == "UNPARSEABLE_RESPONSE")
    }

    @Test func successNeedsA2xx() {
        let response = parse(503, #"{"status":"success"}"#)
        #expect(!response.isSuccess)
        #expect(response.errorCode == "HTTP_503")
    }
}

@Suite("OkayFaceErrorClass.isTransient", .offCooperativePool)
struct OkayFaceErrorClassTests {
    @Test(arguments: [
        (nil, nil, true),
        (500, "Internal Server Error", true),
        (502, nil, true),
        (503, "HTTP_503", true),
        (429, nil, true),
        (400, "UNEXPECTED_ERROR", true),
        (200, "INTEG_ERROR", true),
        (400, "MAX_API_CALL_EXCEEDED", true),
        (400, "INVALID_JOURNEY_ID", false),
        (400, "MISSING_ARGUMENTS", false),
        (400, "Request size exceed 5MB.", false),
        (401, "API_KEY_EXPIRED", false),
        (400, "INVALID_API_KEY", false),
        (400, "ERROR_IDV_EXPIRED", false),
        (200, "FACE_TOO_SMALL", false),
        (200, "UNPARSEABLE_RESPONSE", false),
        (400, "HTTP_400", false),
        (404, nil, false),
    ] as [(Int?, String?, Bool)])
    func decisionTable(httpStatus: Int?, code: String?, transient: Bool) {
        #expect(OkayFaceErrorClass.isTransient(httpStatus: httpStatus, code: code) == transient)
    }

    @Test func journeyErrors() {
        #expect(OkayFaceCallError.transport(message: "refused", timedOut: false).isTransient)
        #expect(OkayFaceCallError.vendor(code: "MAX_API_CALL_EXCEEDED", httpStatus: 400).isTransient)
        #expect(!OkayFaceCallError.vendor(code: "INCORRECT_PASSWORD", httpStatus: 400).isTransient)
    }
}
