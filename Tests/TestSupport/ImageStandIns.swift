import Digest
import Foundation
import WebClient

/// The image sources `scripts/test` starts on loopback, from the variables it exports: an
/// S3-compatible store that checks SigV4 signatures (moto_server), and one image server over
/// HTTP and over HTTPS with a certificate of a throw-away CA (`scripts/lib/image_server.py`).
public struct ImageStandIns: Sendable {
    public let s3Endpoint: String
    public let s3KeyId: String
    public let s3Secret: String
    /// The secret's file, for `AWS_SECRET_ACCESS_KEY_FILE`.
    public let s3SecretFile: String
    /// `http://127.0.0.1:<port>`, serving `imageRoot` under `/files/`.
    public let httpBase: String
    /// `https://127.0.0.1:<port>`, the same folder, a certificate signed by `caFile`'s CA.
    public let httpsBase: String
    public let caFile: String
    public let imageRoot: String

    public struct Missing: Error, CustomStringConvertible {
        public let variable: String
        public var description: String { "\(variable) is not set: run the tests through scripts/test, which starts the image stand-ins" }
    }

    public static func fromEnvironment() throws -> ImageStandIns {
        let env = ProcessInfo.processInfo.environment
        func value(_ name: String) throws -> String {
            guard let value = TestServices.value(name), !value.isEmpty else { throw Missing(variable: name) }
            return value
        }
        func file(_ name: String) throws -> String {
            let path = try value(name)
            return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return ImageStandIns(
            s3Endpoint: try value("OKAYFACE_TEST_S3_ENDPOINT"), s3KeyId: try file("OKAYFACE_TEST_S3_KEY_ID_FILE"),
            s3Secret: try file("OKAYFACE_TEST_S3_SECRET_FILE"), s3SecretFile: try value("OKAYFACE_TEST_S3_SECRET_FILE"),
            httpBase: try value("OKAYFACE_TEST_HTTP_IMAGES"), httpsBase: try value("OKAYFACE_TEST_HTTPS_IMAGES"),
            caFile: try value("OKAYFACE_TEST_CA_FILE"), imageRoot: try value("OKAYFACE_TEST_IMAGE_ROOT"))
    }

    /// Puts `bytes` where both image servers serve them as `/files/<relativePath>`.
    public func serve(_ bytes: [UInt8], at relativePath: String) throws {
        let path = imageRoot + "/" + relativePath
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// A fresh bucket with a unique name, created with a signed request.
    public func createBucket(_ client: WebClient) async throws -> String {
        let bucket = "okf-" + UUID().uuidString.lowercased().prefix(18)
        try await signed(client, method: "PUT", path: "/\(bucket)", body: [])
        return bucket
    }

    /// Stores an object with a signed PUT (`key` without a leading slash, URI-safe).
    public func put(_ bytes: [UInt8], bucket: String, key: String, _ client: WebClient) async throws {
        try await signed(client, method: "PUT", path: "/\(bucket)/\(key)", body: bytes)
    }

    /// The image server's counters for request paths ending in `name`.
    public func stats(_ name: String, _ client: WebClient) async throws -> (requests: Int, bytesSent: Int) {
        let response = try await client.execute(WebRequest(url: "\(httpBase)/stats/\(name)"))
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Int] ?? [:]
        return (object["requests"] ?? -1, object["bytesSent"] ?? -1)
    }

    public struct Refused: Error, CustomStringConvertible {
        public let description: String
    }

    private func signed(_ client: WebClient, method: String, path: String, body: [UInt8]) async throws {
        let hash = SHA256.hex(body)
        let response = try await client.execute(WebRequest(
            method: method, url: s3Endpoint + path,
            headers: [
                HTTPHeader(name: "x-amz-content-sha256", value: hash),
                // Not form-encoded: moto's web framework would swallow a form body.
                HTTPHeader(name: "Content-Type", value: "application/octet-stream"),
            ],
            body: .bytes(body),
            awsSigV4: AWSSigV4(region: "us-east-1", service: "s3", accessKeyId: s3KeyId, secretAccessKey: s3Secret)))
        guard (200..<300).contains(response.status) else {
            throw Refused(description: "\(method) \(path): HTTP \(response.status) \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
    }
}
