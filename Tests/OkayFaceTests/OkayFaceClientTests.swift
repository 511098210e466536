import WebClient
import Logging
import OkayFace
import Payload
import TestSupport
import Testing

private let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 0x11, count: 50_000)
private let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0x22, count: 40_000)
private let sdkData: [UInt8] = Array("okaycam-bundle".utf8) + [0, 1, 2, 255]

/// Runs `body` with a client for `baseURL` over a fresh WebClient, shut down afterwards.
private func withOkayFace<T>(
    baseURL: String,
    password: String = "secret",
    timeout: Duration = .seconds(10),
    _ body: (OkayFaceClient) async throws -> T
) async throws -> T {
    var logger = Logger(label: "okayface-test")
    logger.logLevel = .critical
    let http = WebClient(logger: logger)
    defer { http.shutdown() }
    let configuration = OkayFaceConfiguration(baseURL: baseURL, username: "worker", password: password, timeout: timeout)
    return try await body(OkayFaceClient(configuration: configuration, http: http, logger: logger))
}

private func request(journeyId: String) -> OkayFacePlusRequest {
    OkayFacePlusRequest(journeyId: journeyId, imageIdCard: .bytes(jpeg), imageBest: .bytes(png), mobileSdkData: .bytes(sdkData))
}

@Suite("OkayFaceClient against a vendor-like server", .offCooperativePool)
struct OkayFaceClientTests {
    @Test func createJourneySendsCredentialsAndReturnsTheId() async throws {
        try await VendorTestServer.with { base, recorder in
            try await withOkayFace(baseURL: base + "/") { client in
                let journeyId = try await client.createJourney().get()
                #expect(journeyId == VendorTestServer.journeyId)
                #expect(recorder.journeyBodies == [["username": "worker", "password": "secret"]])
            }
        }
    }

    @Test func createJourneyReportsTheVendorCode() async throws {
        try await VendorTestServer.with { base, _ in
            try await withOkayFace(baseURL: base, password: "wrong") { client in
                do throws(OkayFaceCallError) {
                    _ = try await client.createJourney().get()
                    Issue.record("expected an error")
                } catch {
                    #expect(error == .vendor(code: "INCORRECT_PASSWORD", httpStatus: 400))
                    #expect(!error.isTransient)
                }
            }
        }
    }

    @Test func createJourneyWithoutServerIsATransientTransportError() async throws {
        try await withOkayFace(baseURL: "http://127.0.0.1:1") { client in
            do throws(OkayFaceCallError) {
                _ = try await client.createJourney().get()
                Issue.record("expected an error")
            } catch {
                guard case .transport(_, let timedOut) = error else {
                    Issue.record("expected transport, got \(error)")
                    return
                }
                #expect(!timedOut)
                #expect(error.isTransient)
            }
        }
    }

    @Test func verifySendsTheFourMultipartFieldsAndParsesSuccess() async throws {
        try await VendorTestServer.with { base, recorder in
            try await withOkayFace(baseURL: base + "/") { client in
                let outcome = await client.verify(request(journeyId: VendorTestServer.journeyId))
                guard let response = outcome.answer else {
                    Issue.record("expected an answer, got \(outcome)")
                    return
                }
                #expect(response.isSuccess)
                #expect(response.faceConfidence == .value(100))
                #expect(response.liveness == .value(0.92135316))
                #expect(response.captureLiveness == .value(1))
                #expect(response.captureLivenessScore == 0.1745683)

                let call = try #require(recorder.plusCalls.first)
                #expect(call.contentType?.hasPrefix("multipart/form-data; boundary=") == true)
                #expect(call.parts.count == 4)
                let byName = Dictionary(call.parts.map { ($0.name ?? "", $0) }, uniquingKeysWith: { first, _ in first })
                #expect(byName["journeyId"] == .init(name: "journeyId", filename: nil, contentType: nil, data: Array(VendorTestServer.journeyId.utf8)))
                #expect(byName["imageIdCard"] == .init(name: "imageIdCard", filename: "idcard.jpg", contentType: "image/jpeg", data: jpeg))
                #expect(byName["imageBest"] == .init(name: "imageBest", filename: "best.png", contentType: "image/png", data: png))
                #expect(byName["mobileSdkData"] == .init(name: "mobileSdkData", filename: "okaycam.bin", contentType: "application/octet-stream", data: sdkData))
            }
        }
    }

    /// Images opened from disk go out exactly as in-memory ones: same names, sniffed types
    /// and bytes, the types read from the files' first bytes.
    @Test func verifySendsImagesReadFromFiles() async throws {
        try await withScratchFolder { folder in
            try writeFile(folder + "/idcard", jpeg)
            try writeFile(folder + "/best", png)
            try writeFile(folder + "/sdk", sdkData)
            let files = OkayFacePlusRequest(
                journeyId: VendorTestServer.journeyId,
                imageIdCard: .file(try ReadOnlyFile(path: folder + "/idcard")),
                imageBest: .file(try ReadOnlyFile(path: folder + "/best")),
                mobileSdkData: .file(try ReadOnlyFile(path: folder + "/sdk")))
            try await VendorTestServer.with { base, recorder in
                try await withOkayFace(baseURL: base) { client in
                    guard let response = await client.verify(files).answer else {
                        Issue.record("expected an answer")
                        return
                    }
                    #expect(response.isSuccess)
                    let call = try #require(recorder.plusCalls.first)
                    let byName = Dictionary(call.parts.map { ($0.name ?? "", $0) }, uniquingKeysWith: { first, _ in first })
                    #expect(byName["imageIdCard"] == .init(name: "imageIdCard", filename: "idcard.jpg", contentType: "image/jpeg", data: jpeg))
                    #expect(byName["imageBest"] == .init(name: "imageBest", filename: "best.png", contentType: "image/png", data: png))
                    #expect(byName["mobileSdkData"] == .init(name: "mobileSdkData", filename: "okaycam.bin", contentType: "application/octet-stream", data: sdkData))
                }
            }
        }
    }

    @Test func verifyInvalidJourneyIsAFinalVendorError() async throws {
        try await VendorTestServer.with { base, _ in
            try await withOkayFace(baseURL: base) { client in
                guard let response = await client.verify(request(journeyId: "bad")).answer else {
                    Issue.record("expected an answer")
                    return
                }
                #expect(response.httpStatus == 400)
                #expect(response.errorCode == "INVALID_JOURNEY_ID")
                #expect(!OkayFaceErrorClass.isTransient(httpStatus: response.httpStatus, code: response.errorCode))
            }
        }
    }

    @Test func verifyServerErrorIsTransient() async throws {
        try await VendorTestServer.with { base, _ in
            try await withOkayFace(baseURL: base) { client in
                guard let response = await client.verify(request(journeyId: "boom")).answer else {
                    Issue.record("expected an answer")
                    return
                }
                #expect(response.httpStatus == 500)
                #expect(response.errorCode == "Internal Server Error")
                #expect(OkayFaceErrorClass.isTransient(httpStatus: response.httpStatus, code: response.errorCode))
            }
        }
    }

    @Test func verifyTimeoutIsATimedOutTransportFailure() async throws {
        try await VendorTestServer.with { base, _ in
            try await withOkayFace(baseURL: base, timeout: .milliseconds(300)) { client in
                let outcome = await client.verify(request(journeyId: "slow"))
                guard case .transportFailed(_, let timedOut) = outcome else {
                    Issue.record("expected a transport failure, got \(outcome)")
                    return
                }
                #expect(timedOut)
            }
        }
    }

    @Test func verifyWithoutServerIsATransportFailure() async throws {
        try await withOkayFace(baseURL: "http://127.0.0.1:1") { client in
            guard case .transportFailed(let message, let timedOut) = await client.verify(request(journeyId: "x")) else {
                Issue.record("expected a transport failure")
                return
            }
            #expect(!timedOut)
            #expect(!message.isEmpty)
        }
    }
}
