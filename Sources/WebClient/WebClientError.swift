/// Why ``WebClient/execute(_:)`` produced no response. An HTTP error status is not an
/// error here: it is a response.
public enum WebClientError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The request's `timeout` (or its `connectTimeout`) elapsed.
    case timedOut
    /// No connection could be made (refused, unreachable, name not resolved).
    case connectFailed(String)
    /// More than `maxResponseBytes` arrived.
    case responseTooLarge
    /// The calling task was cancelled; the transfer was removed.
    case cancelled
    /// The client was shut down before the transfer finished.
    case shutDown
    /// Every address the host resolved to was refused by the request's `addressCheck`; the
    /// reason given for the last one.
    case addressRefused(String)
    /// The request's ``HTTPBodyStream`` refused a chunk.
    case stoppedByReceiver
    /// The server's TLS certificate could not be verified.
    case untrustedCertificate(String)
    /// Any other libcurl failure, with its `CURLcode` and message.
    case transport(code: Int32, message: String)

    public var description: String {
        switch self {
        case .timedOut: "HTTP request timed out"
        case .connectFailed(let message): "HTTP connect failed: \(message)"
        case .responseTooLarge: "HTTP response exceeded the size limit"
        case .cancelled: "HTTP request cancelled"
        case .shutDown: "HTTP client is shut down"
        case .addressRefused(let reason): "HTTP connection refused by policy: \(reason)"
        case .stoppedByReceiver: "HTTP transfer stopped by its body receiver"
        case .untrustedCertificate(let message): "HTTPS certificate not trusted: \(message)"
        case .transport(let code, let message): "HTTP transport error \(code): \(message)"
        }
    }
}
