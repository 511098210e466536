import Digest
import Foundation
import WebClient
import Logging
import TestSupport
import Testing
import Worker

/// The worker with its images in S3 (moto_server, SigV4 checked) and behind HTTPS (a server
/// certificate of a throw-away CA), end to end: decisions, refusals and digests.
@Suite(.timeLimit(.minutes(3)), .offCooperativePool)
struct RemoteImageTests {
    @Test func imagesFromS3AndHTTPSAreDecidedAndHostileOnesRefused() async throws {
        let standIns = try ImageStandIns.fromEnvironment()
        let client = WebClient(logger: Logger(label: "remote-image-test"))
        defer { client.shutdown() }
        let stack = try await TestStack()
        let bucket = try await standIns.createBucket(client)
        let folder = "kyc/" + UUID().uuidString.lowercased().prefix(8)
        func sample(_ path: String) throws -> [UInt8] {
            Array(try Data(contentsOf: URL(fileURLWithPath: stack.samples + "/" + path)))
        }
        let idCard = try sample("images/person1-idcard.png")
        let selfie = try sample("images/person1-selfie.png")
        let sdk = try sample("sdk/approve.json")
        try await standIns.put(idCard, bucket: bucket, key: "\(folder)/idcard.png", client)
        try await standIns.put(sdk, bucket: bucket, key: "\(folder)/okaycam.json", client)
        try standIns.serve(selfie, at: "\(folder)/selfie.png")
        try standIns.serve(Array("just text, not a photo".utf8), at: "\(folder)/note.png")

        let worker = try stack.startWorker([
            "IMAGE_ALLOWED_PREFIXES": "s3://\(bucket)/kyc/,\(standIns.httpsBase)/files/kyc/",
            "S3_ENDPOINT": standIns.s3Endpoint,
            "S3_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": standIns.s3KeyId,
            "AWS_SECRET_ACCESS_KEY_FILE": standIns.s3SecretFile,
            "IMAGE_CA_FILE": standIns.caFile,
        ])
        let s3 = "s3://\(bucket)/\(folder)"
        let https = "\(standIns.httpsBase)/files/\(folder)"
        try await stack.publish(stack.request("remote-ok", idCard: "\(s3)/idcard.png", best: "\(https)/selfie.png", sdk: "\(s3)/okaycam.json"))
        try await stack.publish(stack.request(
            "remote-digests", idCard: "\(s3)/idcard.png", best: "\(https)/selfie.png", sdk: "\(s3)/okaycam.json",
            sha256: ["idCard": SHA256.hex(idCard), "best": SHA256.hex(selfie).uppercased(), "mobileSdkData": SHA256.hex(sdk)]))
        try await stack.publish(stack.request(
            "remote-wrong-digest", idCard: "\(s3)/idcard.png", best: "\(https)/selfie.png", sdk: "\(s3)/okaycam.json",
            sha256: ["idCard": SHA256.hex(selfie)]))
        try await stack.publish(stack.request("remote-not-image", idCard: "\(s3)/idcard.png", best: "\(https)/note.png", sdk: "\(s3)/okaycam.json"))
        try await stack.publish(stack.request("remote-missing", idCard: "\(s3)/none.png", best: "\(https)/selfie.png", sdk: "\(s3)/okaycam.json"))
        try await stack.publish(stack.request(
            "remote-forbidden", idCard: "http://169.254.169.254/latest/meta-data/", best: "\(https)/../selfie.png",
            sdk: "s3://\(bucket)/other/okaycam.json"))
        try await stack.waitForDecisions(6, timeout: .seconds(90))

        #expect(try await stack.decision("remote-ok")?.string("decision") == "approved")
        #expect(try await stack.decision("remote-digests")?.string("decision") == "approved")
        #expect(try await stack.decision("remote-wrong-digest")?.textArray("reasons") == ["image_invalid:idCard"])
        #expect(try await stack.decision("remote-not-image")?.textArray("reasons") == ["image_invalid:best"])
        #expect(try await stack.decision("remote-missing")?.textArray("reasons") == ["image_unavailable:idCard"])
        #expect(try await stack.decision("remote-forbidden")?.textArray("reasons") == [
            "image_forbidden:idCard", "image_forbidden:best", "image_forbidden:mobileSdkData",
        ])
        // Only the two approved requests reached the vendor.
        #expect(stack.simulator.stats().okayFaceCalls == 2)
        try await worker.stop()
        await stack.close()
    }
}
