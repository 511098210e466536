@testable import ImageStore
import TestSupport
import Testing

@Suite("S3Access and the allow-list's validation", .offCooperativePool)
struct S3AccessTests {
    let access = S3Access(endpoint: "http://127.0.0.1:5000/", region: "eu-west-1", accessKeyId: "AKID", secretAccessKey: "s3cr3t")

    @Test func objectURLs() throws {
        #expect(access.objectURL(try RemoteURI("s3://kyc-images/2026/a%20b.jpg")) == "http://127.0.0.1:5000/kyc-images/2026/a%20b.jpg")
        let aws = S3Access(endpoint: nil, region: "eu-west-1", accessKeyId: "AKID", secretAccessKey: "s3cr3t")
        #expect(aws.objectURL(try RemoteURI("s3://kyc-images/a.jpg")) == "https://kyc-images.s3.eu-west-1.amazonaws.com/a.jpg")
        // A dotted bucket would not match the virtual host's certificate: path style.
        #expect(aws.objectURL(try RemoteURI("s3://kyc.images/a.jpg")) == "https://s3.eu-west-1.amazonaws.com/kyc.images/a.jpg")
    }

    /// SigV4 signs the path as sent: every byte but unreserved ones and `/` escaped, once.
    @Test func keysAreEscapedTheWaySigV4SignsThem() {
        #expect(S3Access.awsEncoded("/a/b-c_d.e~f") == "/a/b-c_d.e~f")
        #expect(S3Access.awsEncoded("/a%20b/c+d/e=f/g@h") == "/a%20b/c%2Bd/e%3Df/g%40h")
        #expect(S3Access.awsEncoded("/%C3%A9") == "/%C3%A9")
    }

    @Test func theSecretStaysOutOfDescriptions() {
        #expect(!"\(access)".contains("s3cr3t"))
        #expect(!"\(access.signing)".contains("s3cr3t"))
    }

    @Test func s3ErrorCodes() {
        let body = Array("<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>x</Message></Error>".utf8)
        #expect(RemoteImageStore.s3ErrorCode(body) == "NoSuchKey")
        #expect(RemoteImageStore.s3ErrorCode(Array("<Code><script></Code>".utf8)) == nil)
        #expect(RemoteImageStore.s3ErrorCode([]) == nil)
    }

    @Test func validatingRefusesEntriesThatDoNotParse() throws {
        let list = try ImageAllowList(validating: "file:///data/kyc/, https://Images.Example.com:443/kyc ,s3://kyc-images/2026/")
        #expect(list.remotePrefixes == ["https://images.example.com/kyc", "s3://kyc-images/2026/"])
        #expect(list.covers(try RemoteURI("https://images.example.com/kyc/a.jpg")))
        #expect(!list.covers(try RemoteURI("https://images.example.com/kyc-old/a.jpg")))
        #expect(!list.covers(try RemoteURI("https://images.example.com.evil.net/kyc/a.jpg")))
        #expect(!list.covers(try RemoteURI("https://images.example.com:8443/kyc/a.jpg")))
        for (entry, reason) in [
            ("https://user@images.example.com/", "user-info in the URI"), ("ftp://x/", "scheme not supported"),
            ("file://relative/path", "not an absolute file:/// folder"), ("https://images.example.com/a?b", "query or fragment in the URI"),
        ] {
            #expect(throws: ImageAllowList.InvalidEntry(entry: entry, reason: reason)) { try ImageAllowList(validating: entry) }
        }
    }
}
