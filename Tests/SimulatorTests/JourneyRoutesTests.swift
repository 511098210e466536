import Foundation
import TestSupport
import Testing

@testable import Simulator

@Suite("Create JourneyID", .offCooperativePool)
struct JourneyRoutesTests {
    @Test("valid credentials create a journey with a lower-case UUID v4")
    func createsJourney() async throws {
        try await withSimulator { server in
            let reply = try await Curl.postJSON(server.journeyURL, #"{"username":"demo","password":"demo-password"}"#)
            #expect(reply.status == 200)
            #expect(reply.json["status"] as? String == "success")
            #expect(reply.json["message"] as? String == "api.success")
            let journeyId = try #require(reply.json["journeyId"] as? String)
            #expect(journeyId.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/) != nil)
            #expect(server.simulator.stats().journeysCreated == 1)
        }
    }

    @Test(
        "credential errors",
        arguments: [
            (#"{"password":"demo-password"}"#, "MISSING_PARAM_CRENDENTIAL"),
            (#"{"username":"demo"}"#, "MISSING_PARAM_CRENDENTIAL"),
            (#"{"username":"","password":""}"#, "MISSING_PARAM_CRENDENTIAL"),
            ("username=demo&password=demo-password", "MISSING_PARAM_CRENDENTIAL"),
            (#"{"username":"nobody","password":"demo-password"}"#, "USERNAME_NOT_EXIST"),
            (#"{"username":"demo","password":"wrong"}"#, "INCORRECT_PASSWORD"),
        ]
    )
    func credentialErrors(body: String, code: String) async throws {
        try await withSimulator { server in
            let reply = try await Curl.postJSON(server.journeyURL, body)
            #expect(reply.status == 400)
            #expect(reply.body == #"{"status":"error","message":"\#(code)"}"#)
            #expect(server.simulator.stats().journeysCreated == 0)
        }
    }

    @Test("configured credentials replace the demo account")
    func configuredCredentials() async throws {
        try await withSimulator(SimulatorConfiguration(credentials: ["acme": "s3cret"])) { server in
            let accepted = try await Curl.postJSON(server.journeyURL, #"{"username":"acme","password":"s3cret"}"#)
            #expect(accepted.status == 200)
            let demo = try await Curl.postJSON(server.journeyURL, #"{"username":"demo","password":"demo-password"}"#)
            #expect(demo.message == "USERNAME_NOT_EXIST")
        }
    }
}
