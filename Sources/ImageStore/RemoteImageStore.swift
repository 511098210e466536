import Pipeline
import Foundation
import WebClient
import Logging
import Payload
import Verification

/// Fetches `http://`, `https://` and `s3://` images under the allow-list through libcurl.
///
/// What keeps a hostile event in bounds:
/// - the canonical URI (``RemoteURI``) must lie under an allowed prefix;
/// - for http(s), every address a host resolves to is checked (``AddressPolicy``) at the
///   moment of connecting, by the socket-opening hook, so the address checked is the address
///   used; `s3://` goes only to the operator's `S3_ENDPOINT` (or AWS), the event naming only
///   bucket and key;
/// - redirects are never followed (a 3xx is `forbidden`), proxies from the environment are
///   ignored, and the only protocol is the URI's own;
/// - the image's and the request's byte limits are enforced while the body streams, and a
///   `Content-Length` over the image limit is refused before any body byte is read;
/// - connect and total timeouts bound each attempt.
///
/// Transient failures (5xx, 429, timeouts, refused or reset connections) are retried.
public struct RemoteImageStore: Sendable {
    public struct Configuration: Sendable {
        /// Per attempt, until the TCP and TLS handshakes are done (`IMAGE_CONNECT_TIMEOUT_MS`).
        public var connectTimeout: Duration
        /// Per attempt, the whole transfer (`IMAGE_TIMEOUT_MS`).
        public var timeout: Duration
        /// Attempts for transient failures (`IMAGE_MAX_ATTEMPTS`).
        public var maxAttempts: Int
        /// Before the second attempt; doubled for each later one.
        public var retryDelay: Duration
        /// Where bodies larger than `memoryLimit` are spooled (`IMAGE_SPOOL_DIR`).
        public var spoolDirectory: String
        public var memoryLimit: Int
        /// Certificate authorities for https images and an https S3 endpoint (`IMAGE_CA_FILE`);
        /// nil: the system's.
        public var caFile: String?
        /// nil: `s3://` URIs cannot be fetched.
        public var s3: S3Access?

        public init(
            connectTimeout: Duration = .seconds(3), timeout: Duration = .seconds(15), maxAttempts: Int = 3,
            retryDelay: Duration = .milliseconds(200), spoolDirectory: String = NSTemporaryDirectory(),
            memoryLimit: Int = 128 * 1024, caFile: String? = nil, s3: S3Access? = nil
        ) {
            self.connectTimeout = connectTimeout
            self.timeout = timeout
            self.maxAttempts = maxAttempts
            self.retryDelay = retryDelay
            self.spoolDirectory = spoolDirectory
            self.memoryLimit = memoryLimit
            self.caFile = caFile
            self.s3 = s3
        }
    }

    public let allowList: ImageAllowList
    public let configuration: Configuration
    private let client: WebClient
    private let logger: Logger

    /// `client` should be this store's own: its connections then were all opened through the
    /// address check.
    public init(allowList: ImageAllowList, configuration: Configuration, client: WebClient, logger: Logger) {
        self.allowList = allowList
        self.configuration = configuration
        self.client = client
        self.logger = logger
    }

    public func load(_ uri: RemoteURI, limits: ImageLimits) async throws(ImageLoadFailure) -> ImagePayload {
        guard allowList.covers(uri) else { throw .forbidden("outside IMAGE_ALLOWED_PREFIXES") }
        var request = try makeRequest(uri, limits: limits)
        var attempt = 0
        while true {
            attempt += 1
            let download = ImageDownload(
                limits: limits, spoolDirectory: configuration.spoolDirectory, memoryLimit: configuration.memoryLimit)
            request.bodyStream = download
            let outcome = await fetch(request, uri: uri, download: download)
            switch outcome {
            case .success(let payload):
                return payload
            case .failure(let failure, let transient):
                download.releaseBudget()
                guard transient, attempt < configuration.maxAttempts, !Task.isCancelled else { throw failure }
                logger.debug("image fetch failed, retrying", metadata: ["uri": "\(uri.canonical)", "attempt": "\(attempt)", "error": "\(failure)"])
                do {
                    try await Task.sleep(for: configuration.retryDelay * (1 << min(attempt - 1, 10)))
                } catch {
                    throw failure
                }
            }
        }
    }

    private enum Outcome {
        case success(ImagePayload)
        case failure(ImageLoadFailure, transient: Bool)
    }

    private func makeRequest(_ uri: RemoteURI, limits: ImageLimits) throws(ImageLoadFailure) -> WebRequest {
        var request = WebRequest(
            url: uri.canonical, timeout: configuration.timeout, connectTimeout: configuration.connectTimeout,
            maxResponseBytes: limits.maxImageBytes, followRedirects: false, caFile: configuration.caFile,
            useProxyFromEnvironment: false)
        switch uri.scheme {
        case .http, .https:
            request.protocols = uri.scheme.rawValue
            // An address is allowed despite the policy only when the URI names it literally (and
            // so an allowed prefix does): a host name gets no exceptions.
            let literals: Set<String> = uri.hostIsAddress ? [uri.host] : []
            request.addressCheck = { bytes in
                guard let address = AddressPolicy.Address(bytes: bytes) else { return "unreadable address" }
                return AddressPolicy.refusal(for: address, allowedLiterals: literals).map { "\($0) \(address)" }
            }
        case .s3:
            guard let s3 = configuration.s3 else { throw .forbidden("s3:// is not configured (S3_REGION)") }
            request.url = s3.objectURL(uri)
            request.protocols = "http,https"
            request.headers = s3.headers
            request.awsSigV4 = s3.signing
        }
        return request
    }

    private func fetch(_ request: WebRequest, uri: RemoteURI, download: ImageDownload) async -> Outcome {
        let response: WebResponse
        do {
            response = try await client.execute(request)
        } catch {
            switch error {
            case .stoppedByReceiver:
                return .failure(download.stopReason ?? .unavailable("download stopped"), transient: false)
            case .responseTooLarge:
                return .failure(.tooLarge, transient: false)
            case .addressRefused(let reason):
                return .failure(.forbidden(reason), transient: false)
            case .untrustedCertificate(let message):
                return .failure(.unavailable("TLS certificate not trusted: \(message)"), transient: false)
            case .cancelled, .shutDown:
                return .failure(.unavailable("\(error)"), transient: false)
            case .timedOut, .connectFailed, .transport:
                return .failure(.unavailable("\(error)"), transient: true)
            }
        }
        switch response.status {
        case 200..<300:
            return .success(download.payload())
        case 300..<400:
            return .failure(.forbidden("redirect (HTTP \(response.status)) not followed"), transient: false)
        default:
            var detail = "HTTP \(response.status)"
            if let code = Self.s3ErrorCode(response.body) { detail += " \(code)" }
            let transient = response.status >= 500 || response.status == 429 || response.status == 408
            return .failure(.unavailable(detail), transient: transient)
        }
    }

    /// The `<Code>` of an S3 error document (`NoSuchKey`, `SignatureDoesNotMatch`, …), for the log.
    static func s3ErrorCode(_ body: [UInt8]) -> String? {
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        guard let start = text.range(of: "<Code>"), let end = text.range(of: "</Code>", range: start.upperBound..<text.endIndex)
        else { return nil }
        let code = text[start.upperBound..<end.lowerBound]
        guard !code.isEmpty, code.count <= 64, code.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." }) else { return nil }
        return String(code)
    }
}
