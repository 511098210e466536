import Pipeline
import Foundation
import ImageStore
import TestSupport
import Testing
import Verification

/// The allow-list cases of docs/image-sources.md, each loaded for real through ``ImageSources`` against the
/// stand-ins, with the allowed prefixes `<http>/files/kyc/`, `<https>/files/kyc/`,
/// `s3://<bucket>/kyc/` and `file:///nonexistent/`. The table is printed for the record.
@Suite("Allow-list cases against the real servers", .offCooperativePool)
struct AllowListCaseTests {
    @Test func everyCaseEndsAsExpected() async throws {
        let f = try await RemoteFixture()
        defer { f.close() }
        let image = jpegBytes(2_000)
        try f.standIns.serve(image, at: "\(f.folder)/face.jpg")
        try f.standIns.serve(image, at: "kyc-other/face.jpg")
        try f.standIns.serve(image, at: "secret.jpg")
        try await f.standIns.put(image, bucket: f.bucket, key: "kyc/face.jpg", f.client)
        try await f.standIns.put(image, bucket: f.bucket, key: "other/face.jpg", f.client)
        let http = f.standIns.httpBase
        let https = f.standIns.httpsBase
        let port = http.split(separator: ":").last!
        let dir = f.folder

        let cases: [(what: String, uri: String, expected: String)] = [
            ("allowed http", "\(http)/files/\(dir)/face.jpg", "ok"),
            ("allowed https (test CA)", "\(https)/files/\(dir)/face.jpg", "ok"),
            ("allowed s3 (SigV4)", "s3://\(f.bucket)/kyc/face.jpg", "ok"),
            ("scheme and host case", "HTTP://127.0.0.1:\(port)/files/\(dir)/face.jpg", "ok"),
            ("escaped unreserved character", "\(http)/files/\(dir)/fac%65.jpg", "ok"),
            ("'..' segment", "\(http)/files/kyc/../secret.jpg", "forbidden"),
            ("encoded '..' segment", "\(http)/files/kyc/%2e%2E/secret.jpg", "forbidden"),
            ("encoded slash", "\(http)/files/kyc%2F..%2Fsecret.jpg", "forbidden"),
            ("encoded backslash", "\(http)/files/kyc/..%5Csecret.jpg", "forbidden"),
            ("encoded NUL", "\(http)/files/\(dir)/face.jpg%00.png", "forbidden"),
            ("sibling folder with the prefix's name", "\(http)/files/kyc-other/face.jpg", "forbidden"),
            ("outside the prefix", "\(http)/files/secret.jpg", "forbidden"),
            ("user-info", "http://user:pw@127.0.0.1:\(port)/files/\(dir)/face.jpg", "forbidden"),
            ("allowed host as user-info", "http://127.0.0.1:\(port)@evil.example/files/kyc/face.jpg", "forbidden"),
            ("decimal IP", "http://2130706433:\(port)/files/\(dir)/face.jpg", "forbidden"),
            ("hex IP", "http://0x7f.0.0.1:\(port)/files/\(dir)/face.jpg", "forbidden"),
            ("octal IP", "http://0177.0.0.1:\(port)/files/\(dir)/face.jpg", "forbidden"),
            ("short IP", "http://127.1:\(port)/files/\(dir)/face.jpg", "forbidden"),
            ("IPv6 loopback literal", "http://[::1]:\(port)/files/\(dir)/face.jpg", "forbidden"),
            ("other port on the allowed host", "http://127.0.0.1:1/files/\(dir)/face.jpg", "forbidden"),
            ("https prefix does not allow http", "\(https.replacingOccurrences(of: "https:", with: "http:"))/files/\(dir)/face.jpg", "forbidden"),
            ("query string", "\(http)/files/\(dir)/face.jpg?x=1", "forbidden"),
            ("fragment", "\(http)/files/\(dir)/face.jpg#x", "forbidden"),
            ("metadata service", "http://169.254.169.254/latest/meta-data/", "forbidden"),
            ("IPv6 metadata service", "http://[fd00:ec2::254]/latest/meta-data/", "forbidden"),
            ("loopback by name", "http://localhost:\(port)/files/\(dir)/face.jpg", "forbidden"),
            ("s3 outside the prefix", "s3://\(f.bucket)/other/face.jpg", "forbidden"),
            ("s3 '..' out of the prefix", "s3://\(f.bucket)/kyc/../other/face.jpg", "forbidden"),
            ("s3 other bucket", "s3://other-bucket/kyc/face.jpg", "forbidden"),
            ("file outside the prefix", "file:///etc/passwd", "forbidden"),
            ("ftp", "ftp://127.0.0.1/files/kyc/face.jpg", "forbidden"),
            ("gopher", "gopher://127.0.0.1:\(port)/_GET", "forbidden"),
            ("dict", "dict://127.0.0.1:\(port)/x", "forbidden"),
            ("missing object", "\(http)/files/\(dir)/none.jpg", "unavailable"),
        ]
        var table = ["| case | URI | outcome |", "|---|---|---|"]
        for c in cases {
            let outcome = await f.outcome(c.uri)
            #expect(outcome.kind == c.expected, "\(c.what): \(c.uri) → \(outcome.kind) \(outcome.detail)")
            let shown = c.uri.replacingOccurrences(of: http, with: "<http>").replacingOccurrences(of: https, with: "<https>")
                .replacingOccurrences(of: f.bucket, with: "<bucket>").replacingOccurrences(of: dir, with: "kyc/<t>")
                .replacingOccurrences(of: ":\(port)", with: ":<port>")
            table.append("| \(c.what) | `\(shown)` | \(outcome.kind)\(outcome.detail.isEmpty ? "" : ": \(outcome.detail)") |")
        }
        print(table.joined(separator: "\n"))
    }
}
