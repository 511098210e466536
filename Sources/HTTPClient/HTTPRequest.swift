/// What a request sends after its headers.
public enum HTTPRequestBody: Sendable {
    case empty
    case bytes([UInt8])
    /// Encoded by libcurl (`curl_mime_*`), which also sets the boundary and Content-Type.
    case multipart([MultipartFormPart])
}

/// One HTTP request for ``HTTPClient/execute(_:)``, with its own limits.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [HTTPHeader]
    public var body: HTTPRequestBody
    /// Whole transfer, from queueing to the last body byte.
    public var timeout: Duration
    /// Until the TCP (and TLS) connection is up.
    public var connectTimeout: Duration
    /// The transfer fails with ``HTTPClientError/responseTooLarge`` as soon as more body
    /// bytes than this arrive (checked while streaming, not after buffering everything).
    public var maxResponseBytes: Int?
    public var followRedirects: Bool

    public init(
        method: String = "GET",
        url: String,
        headers: [HTTPHeader] = [],
        body: HTTPRequestBody = .empty,
        timeout: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(10),
        maxResponseBytes: Int? = nil,
        followRedirects: Bool = false
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.maxResponseBytes = maxResponseBytes
        self.followRedirects = followRedirects
    }
}
