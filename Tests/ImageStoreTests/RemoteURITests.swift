import TestSupport
import Testing

@testable import ImageStore

/// The canonical forms the allow-list compares, and the spellings refused outright.
@Suite("RemoteURI", .offCooperativePool)
struct RemoteURITests {
    @Test(arguments: [
        ("https://images.example/kyc/a.jpg", "https://images.example/kyc/a.jpg"),
        ("HTTPS://Images.Example/kyc/a.jpg", "https://images.example/kyc/a.jpg"),
        ("https://images.example:443/kyc/a.jpg", "https://images.example/kyc/a.jpg"),
        ("http://images.example:80/a.jpg", "http://images.example/a.jpg"),
        ("http://images.example:8080/a.jpg", "http://images.example:8080/a.jpg"),
        ("https://images.example", "https://images.example/"),
        ("https://images.example/%6b%79%63/a%2Ejpg", "https://images.example/kyc/a.jpg"),  // unreserved decoded
        ("https://images.example/my%20photo.jpg", "https://images.example/my%20photo.jpg"),
        ("https://images.example/my%2bphoto.jpg", "https://images.example/my%2Bphoto.jpg"),  // escapes in upper case
        ("https://images.example/a..b/c.jpg", "https://images.example/a..b/c.jpg"),
        ("s3://kyc-bucket/2026/11/a.jpg", "s3://kyc-bucket/2026/11/a.jpg"),
        ("http://127.0.0.1:9000/bucket/a.jpg", "http://127.0.0.1:9000/bucket/a.jpg"),
    ])
    func acceptedURIsHaveOneCanonicalForm(uri: String, canonical: String) throws {
        let parsed = try RemoteURI(uri)
        #expect(parsed.canonical == canonical)
        // Canonical is a fixed point.
        #expect(try RemoteURI(parsed.canonical) == parsed)
    }

    @Test func addressesAreMarked() throws {
        #expect(try RemoteURI("http://10.0.0.5/a.jpg").hostIsAddress)
        #expect(try !RemoteURI("http://img10.example/a.jpg").hostIsAddress)
    }

    @Test(arguments: [
        ("ftp://images.example/a.jpg", "scheme not supported"),
        ("https:images.example/a.jpg", "no authority"),
        ("https://user:pw@images.example/a.jpg", "user-info in the URI"),
        ("https://images.example@evil.example/a.jpg", "user-info in the URI"),
        ("https://images.example./a.jpg", "empty or overlong host label"),
        ("https://images..example/a.jpg", "empty or overlong host label"),
        ("https://im%61ges.example/a.jpg", "unexpected character in the host"),
        ("https://imäges.example/a.jpg", "unexpected character in the host"),
        ("https://-images.example/a.jpg", "host label starts or ends with '-'"),
        ("http://2130706433/a.jpg", "numeric host other than a dotted-quad IPv4 address"),
        ("http://0x7f.1/a.jpg", "numeric host other than a dotted-quad IPv4 address"),
        ("http://0177.0.0.1/a.jpg", "numeric host other than a dotted-quad IPv4 address"),
        ("http://127.1/a.jpg", "numeric host other than a dotted-quad IPv4 address"),
        ("http://256.0.0.1/a.jpg", "numeric host other than a dotted-quad IPv4 address"),
        ("http://[::1]/a.jpg", "IPv6 literal host"),
        ("http://images.example:0/a.jpg", "bad port"),
        ("http://images.example:65536/a.jpg", "bad port"),
        ("http://images.example:/a.jpg", "bad port"),
        ("s3://kyc-bucket:9000/a.jpg", "a port in an s3 URI"),
        ("s3://192.168.0.1/a.jpg", "bucket name looks like an address"),
        ("s3://ab/a.jpg", "bucket name length"),
        ("https://images.example/kyc/../admin", "'.' or '..' segment in the path"),
        ("https://images.example/kyc/%2e%2E/admin", "'.' or '..' segment in the path"),
        ("https://images.example/kyc/./a.jpg", "'.' or '..' segment in the path"),
        ("https://images.example/kyc%2f..%2fadmin", "encoded '/', '\\' or NUL in the path"),
        ("https://images.example/kyc%5c..%5cadmin", "encoded '/', '\\' or NUL in the path"),
        ("https://images.example/a.jpg%00.png", "encoded '/', '\\' or NUL in the path"),
        ("https://images.example/a%zz.jpg", "bad percent-encoding"),
        ("https://images.example/a.jpg%4", "bad percent-encoding"),
        ("https://images.example/a b.jpg", "unexpected character in the path"),
        ("https://images.example/a\\b.jpg", "unexpected character in the path"),
        ("https://images.example/a.jpg?X-Amz-Signature=1", "query or fragment in the URI"),
        ("https://images.example/a.jpg#x", "query or fragment in the URI"),
    ])
    func everyOtherSpellingIsRefused(uri: String, reason: String) {
        #expect(throws: RemoteURI.Refusal(reason: reason)) { try RemoteURI(uri) }
    }
}
