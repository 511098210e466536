import WebClient

/// How `s3://bucket/key` URIs are fetched: the store's endpoint, the signing region and the
/// credentials (`S3_ENDPOINT`, `S3_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` or
/// `AWS_SECRET_ACCESS_KEY_FILE`, `AWS_SESSION_TOKEN` or its `_FILE`).
///
/// The event picks only the bucket and the key; the host is the operator's endpoint (path
/// style, as S3-compatible stores expect) or AWS's regional endpoint (virtual-hosted style,
/// path style for bucket names with dots, which a virtual host's certificate would not cover).
public struct S3Access: Sendable, CustomStringConvertible {
    /// `scheme://host[:port]` without a trailing slash; nil: AWS's endpoint for `region`.
    public var endpoint: String?
    public var region: String
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(endpoint: String?, region: String, accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
        var endpoint = endpoint
        while endpoint?.hasSuffix("/") == true { endpoint?.removeLast() }
        self.endpoint = endpoint
        self.region = region
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// The secrets stay out of logs even when the whole value is printed.
    public var description: String {
        "S3Access(endpoint: \(endpoint ?? "AWS"), region: \(region), key: \(accessKeyId))"
    }

    /// The HTTP URL of the object `uri` (an `s3://` URI) names.
    func objectURL(_ uri: RemoteURI) -> String {
        let key = Self.awsEncoded(uri.path)
        if let endpoint { return "\(endpoint)/\(uri.host)\(key)" }
        if uri.host.contains(".") { return "https://s3.\(region).amazonaws.com/\(uri.host)\(key)" }
        return "https://\(uri.host).s3.\(region).amazonaws.com\(key)"
    }

    /// The headers every signed request carries. S3 wants the payload's hash in a header
    /// of its own; a GET's payload is empty, and libcurl signs the value given here.
    var headers: [HTTPHeader] {
        var headers = [HTTPHeader(name: "x-amz-content-sha256", value: Self.emptyPayloadSHA256)]
        if let sessionToken { headers.append(HTTPHeader(name: "x-amz-security-token", value: sessionToken)) }
        return headers
    }

    var signing: AWSSigV4 {
        AWSSigV4(region: region, service: "s3", accessKeyId: accessKeyId, secretAccessKey: secretAccessKey)
    }

    static let emptyPayloadSHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// A canonical path with every byte other than unreserved characters and `/` escaped:
    /// the form SigV4 signs for S3, so that what libcurl signs and what the store
    /// recomputes from the request line are the same bytes.
    static func awsEncoded(_ canonicalPath: String) -> String {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/".utf8)
        var out: [UInt8] = []
        var bytes = canonicalPath.utf8.makeIterator()
        while let byte = bytes.next() {
            var value = byte
            if byte == UInt8(ascii: "%"), let high = bytes.next().flatMap(HexDigit.value), let low = bytes.next().flatMap(HexDigit.value) {
                // RemoteURI left only well-formed escapes in the canonical form.
                value = high << 4 | low
            }
            if unreserved.contains(value) && !(byte == UInt8(ascii: "%") && value == UInt8(ascii: "/")) {
                out.append(value)
            } else {
                out += [UInt8(ascii: "%"), HexDigit.uppercase[Int(value >> 4)], HexDigit.uppercase[Int(value & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
