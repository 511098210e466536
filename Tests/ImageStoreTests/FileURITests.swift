import TestSupport
import Testing

@testable import ImageStore

@Suite("FileURI", .offCooperativePool)
struct FileURITests {
    @Test(arguments: [
        ("file:///data/images/a.jpg", "/data/images/a.jpg"),
        ("file://localhost/data/a.jpg", "/data/a.jpg"),
        ("file:///data/my%20photo.jpg", "/data/my photo.jpg"),
        ("file:///data/a..b/c.jpg", "/data/a..b/c.jpg"),
        ("file:///data/.hidden/...jpg", "/data/.hidden/...jpg"),
        ("file:///data/images/", "/data/images/"),
        ("file:///data/%C3%A9t%c3%a9.jpg", "/data/été.jpg"),
    ])
    func plainAbsoluteURIsBecomeTheirPath(uri: String, path: String) {
        #expect(FileURI(uri)?.path == path)
    }

    @Test(arguments: [
        "file://host/data/a.jpg",  // another host
        "file:data/a.jpg",  // relative
        "file://data/a.jpg",
        "file:///data/../etc/passwd",
        "file:///data/./a.jpg",
        "file:///data/..",  // a dot segment at the end
        "file:///data/.",
        "file:///../data/a.jpg",  // and at the start
        "file:///data/%2e%2e/etc/passwd",  // ".." once decoded
        "file:///data%2fetc/passwd",  // an encoded "/" would move the segment boundaries
        "file:///data%2Fetc/passwd",
        "file:///data/a.jpg%00.png",
        "file:///data/a.jpg?version=2",
        "file:///data/a.jpg#top",
        "file:///data/%zz.jpg",  // not valid percent-encoding
        "file:///data/a.jpg%",  // an escape cut short
        "file:///data/a.jpg%4",
        "file:///data/%ff%fe.jpg",  // decodes to bytes that are not UTF-8
        "http://example.com/a.jpg",
        "s3://bucket/a.jpg",
    ])
    func everyOtherFormIsRefused(uri: String) {
        #expect(FileURI(uri) == nil)
    }
}
