/// What a request sends after its headers.
public enum WebRequestBody: Sendable {
    case empty
    case bytes([UInt8])
    /// Sent as `multipart/form-data` with a random boundary, which sets the request's
    /// Content-Type (one the request names is left out); file parts are read while they are sent.
    case multipart([MultipartFormPart])
}

/// One HTTP request for ``WebClient/execute(_:)``, with its own limits.
public struct WebRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [HTTPHeader]
    public var body: WebRequestBody
    /// Whole transfer, from queueing to the last body byte.
    public var timeout: Duration
    /// Until the TCP (and TLS) connection is up.
    public var connectTimeout: Duration
    /// The transfer fails with ``WebClientError/responseTooLarge`` as soon as more body
    /// bytes than this arrive (checked while streaming, not after buffering everything).
    public var maxResponseBytes: Int?
    public var followRedirects: Bool
    /// Where a 2xx body goes; nil: into ``WebResponse/body``.
    public var bodyStream: (any HTTPBodyStream)?
    /// Signs the request for AWS (S3) with libcurl's SigV4.
    public var awsSigV4: AWSSigV4?
    /// A PEM file of the certificate authorities to trust instead of the system's.
    public var caFile: String?
    /// The URL schemes this request may use (libcurl's `CURLOPT_PROTOCOLS_STR`).
    public var protocols: String
    /// False ignores `http_proxy` and friends: the connection goes to the URL's host itself.
    public var useProxyFromEnvironment: Bool
    /// Asked before each connection with the address libcurl is about to connect to (4 or
    /// 16 bytes, network order); a non-nil answer refuses that address, and a transfer left
    /// with no address fails with ``WebClientError/addressRefused(_:)``. Runs on the loop
    /// thread: keep it quick. The check sees exactly the address that is connected, so a
    /// name cannot resolve to one address for the check and another for the connection. It
    /// is asked when a connection is opened: a kept-alive connection to the same host and port
    /// is reused without asking again, so the answer should depend on the host alone.
    public var addressCheck: (@Sendable ([UInt8]) -> String?)?
    /// libcurl's receive buffer for this transfer (`CURLOPT_BUFFERSIZE`, 1,024 bytes at least);
    /// nil: its 16 KB default. A handle keeps its buffer while it waits in the pool, so a
    /// client of many small answers saves that memory per connection.
    public var receiveBufferBytes: Int?

    public init(
        method: String = "GET",
        url: String,
        headers: [HTTPHeader] = [],
        body: WebRequestBody = .empty,
        timeout: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(10),
        maxResponseBytes: Int? = nil,
        followRedirects: Bool = false,
        bodyStream: (any HTTPBodyStream)? = nil,
        awsSigV4: AWSSigV4? = nil,
        caFile: String? = nil,
        protocols: String = "http,https",
        useProxyFromEnvironment: Bool = true,
        addressCheck: (@Sendable ([UInt8]) -> String?)? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.maxResponseBytes = maxResponseBytes
        self.followRedirects = followRedirects
        self.bodyStream = bodyStream
        self.awsSigV4 = awsSigV4
        self.caFile = caFile
        self.protocols = protocols
        self.useProxyFromEnvironment = useProxyFromEnvironment
        self.addressCheck = addressCheck
    }
}
