import DevTools
import Foundation
import WebClient
import Logging
import TestSupport
import Testing

/// The worker binary at `LOG_LEVEL=trace`, given every kind of secret (directly and as
/// `*_FILE`), made to fail with wrong ones and to succeed with right ones: no secret appears
/// in any line it logs. (`scripts/test` also searches every log of the whole run.)
@Suite(.timeLimit(.minutes(3)), .offCooperativePool)
struct SecretsInLogsTests {
    @Test func noSecretReachesTheLogEvenAtTraceLevel() async throws {
        let standIns = try ImageStandIns.fromEnvironment()
        let client = WebClient(logger: Logger(label: "secrets-test"))
        defer { client.shutdown() }
        let stack = try await TestStack()
        let bucket = try await standIns.createBucket(client)
        let idCard = Array(try Data(contentsOf: URL(fileURLWithPath: stack.samples + "/images/person1-idcard.png")))
        try await standIns.put(idCard, bucket: bucket, key: "kyc/idcard.png", client)

        let wrongS3Secret = "wrong-s3-secret-" + UUID().uuidString
        let wrongVendorPassword = "wrong-vendor-password-" + UUID().uuidString
        let databasePassword = "database-password-" + UUID().uuidString
        func secretFile(_ name: String, _ value: String) throws -> String {
            let path = stack.scratch + "/" + name
            try Data((value + "\n").utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        var withPassword = TestStack.withPassword(stack.databaseURL)
        if !withPassword.contains(":" + (ProcessInfo.processInfo.environment["OKAYFACE_TEST_DB_PASSWORD"] ?? "-") + "@") {
            withPassword = withPassword.replacingOccurrences(of: "postgres@", with: "postgres:\(databasePassword)@")
        }
        let common = [
            "LOG_LEVEL": "trace",
            "IMAGE_ALLOWED_PREFIXES": "s3://\(bucket)/kyc/,file://\(stack.samples)/",
            "S3_ENDPOINT": standIns.s3Endpoint,
            "AWS_ACCESS_KEY_ID": standIns.s3KeyId,
            "DATABASE_URL": "",
            "DATABASE_URL_FILE": try secretFile("database-url", withPassword),
        ]
        let s3Request = stack.request("s3-image", idCard: "s3://\(bucket)/kyc/idcard.png")

        // Wrong secrets: the S3 fetch is refused (403), the journey cannot be created.
        let wrongLog = stack.scratch + "/secrets-wrong.log"
        let wrong = try CrashRecoveryTests.launch(stack, common.merging([
            "AWS_SECRET_ACCESS_KEY": wrongS3Secret,
            "OKAYFACE_PASSWORD": wrongVendorPassword,
        ]) { _, new in new }, log: wrongLog)
        try await stack.publish(s3Request)
        try await stack.publish(stack.request("file-images"))
        // The S3 image is refused before any vendor call; the other request is held, not
        // decided, because the vendor refuses our password.
        try await stack.waitForDecisions(1)
        try await stack.waitUntil("the worker logged the vendor's refusal", timeout: .seconds(60)) {
            ((try? String(contentsOfFile: wrongLog, encoding: .utf8)) ?? "").contains("INCORRECT_PASSWORD")
        }
        wrong.terminate()
        await wrong.exited()
        #expect(try await stack.decision("s3-image")?.textArray("reasons") == ["image_unavailable:idCard"])
        #expect(try await stack.decision("file-images") == nil)

        // Right secrets, from files: the same kind of request is decided.
        let rightLog = stack.scratch + "/secrets-right.log"
        let right = try CrashRecoveryTests.launch(stack, common.merging([
            "AWS_SECRET_ACCESS_KEY": "",
            "AWS_SECRET_ACCESS_KEY_FILE": standIns.s3SecretFile,
            "OKAYFACE_PASSWORD": "",
            "OKAYFACE_PASSWORD_FILE": try secretFile("vendor-password", TestStack.vendorPassword),
        ]) { _, new in new }, log: rightLog)
        try await stack.publish(stack.request("s3-image-2", idCard: "s3://\(bucket)/kyc/idcard.png"))
        try await stack.waitForDecisions(3)
        right.terminate()
        await right.exited()
        #expect(try await stack.decision("s3-image-2")?.string("decision") == "approved")
        #expect(try await stack.decision("file-images")?.string("decision") == "approved")

        let logs = try String(contentsOfFile: wrongLog, encoding: .utf8) + String(contentsOfFile: rightLog, encoding: .utf8)
        let lines = logs.split(separator: "\n")
        // The failures were logged (the search below looks at lines that matter), at trace level.
        #expect(logs.contains("SignatureDoesNotMatch"))
        #expect(lines.count > 20, "\(lines.count) lines")
        let secrets = [
            standIns.s3Secret, wrongS3Secret, TestStack.vendorPassword, wrongVendorPassword, databasePassword,
            ProcessInfo.processInfo.environment["OKAYFACE_TEST_DB_PASSWORD"] ?? databasePassword,
        ]
        for secret in secrets {
            let leaking = lines.filter { $0.contains(secret) }
            #expect(leaking.isEmpty, "a secret appears in \(leaking.count) of \(lines.count) log lines")
        }
        await stack.close()
    }
}
