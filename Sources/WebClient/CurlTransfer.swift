import CCurl
#if canImport(Glibc)
import Glibc
#endif
import Payload
import Synchronization

/// One request on its easy handle: the options, the objects that must outlive the
/// transfer (header list, the reader of a multipart body and its files), the response being
/// collected and the continuation that the multi loop resumes.
///
/// `@unchecked Sendable`: everything except `cancelRequested` is written by the calling
/// task before ``CurlMultiLoop/submit(_:)`` and afterwards only on the multi loop thread
/// (libcurl's callbacks run inside `curl_multi_perform` there). The submit goes through
/// the loop's `Mutex`, which publishes the earlier writes. `cancelRequested` is set from
/// any thread and therefore sits in its own `Mutex`.
final class CurlTransfer: @unchecked Sendable {
    typealias Completion = CheckedContinuation<Result<WebResponse, WebClientError>, Never>

    let easy: CurlEasy
    /// Method and URL without query or user info, for logs (queries can carry signatures);
    /// worked out only when a log line asks (it cost 0.6% of the worker's CPU per request).
    var logDescription: String { "\(method) \(Self.redacted(url))" }
    private let method: String
    private let url: String
    var continuation: Completion?
    /// The loop's multi handle this transfer runs on, chosen at submit.
    var shard = 0

    // Written while configuring (CurlTransfer+Options, CurlTransfer+Multipart), freed by releaseCObjects.
    var headerList: UnsafeMutablePointer<curl_slist>?
    /// The read callback's userdata: kept alive, and its files open, until the transfer ends.
    var multipartBody: MultipartBodyReader?
    private var response: ResponseCollector
    let addressCheck: (@Sendable ([UInt8]) -> String?)?
    /// Why the last address was refused, for the error when no connection was made.
    private var addressRefusal: String?
    private let cancelRequested = Mutex(false)

    /// Configures `easy` for `request`; on failure the caller still owns `easy`.
    init(request: WebRequest, easy: CurlEasy) throws(WebClientError) {
        self.easy = easy
        self.response = ResponseCollector(maxResponseBytes: request.maxResponseBytes, bodyStream: request.bodyStream)
        self.addressCheck = request.addressCheck
        self.method = request.method
        self.url = request.url
        do {
            try configure(request)
        } catch {
            releaseCObjects()
            throw error
        }
    }

    deinit {
        releaseCObjects()
    }

    // MARK: Cancellation (any thread)

    func requestCancel() {
        cancelRequested.withLock { $0 = true }
    }

    var isCancelRequested: Bool {
        cancelRequested.withLock { $0 }
    }

    // MARK: Completion (loop thread)

    /// Resumes the waiting task once; later calls do nothing.
    func finish(_ result: Result<WebResponse, WebClientError>) {
        guard let continuation else { return }
        self.continuation = nil
        continuation.resume(returning: result)
    }

    /// Frees the header list and lets a multipart body's files close; the easy handle must no
    /// longer be in the multi.
    func releaseCObjects() {
        if let headerList {
            curl_slist_free_all(headerList)
            self.headerList = nil
        }
        multipartBody = nil
    }

    /// Turns the transfer's `CURLcode` into the caller's result.
    func result(for code: CURLcode) -> Result<WebResponse, WebClientError> {
        if code == CURLE_OK {
            var status = 0
            _ = okf_easy_getinfo_long(easy.handle, CURLINFO_RESPONSE_CODE, &status)
            return .success(WebResponse(status: status, headers: response.headers, body: response.body))
        }
        if response.stoppedByReceiver { return .failure(.stoppedByReceiver) }
        if response.exceededLimit || code == CURLE_FILESIZE_EXCEEDED {
            return .failure(.responseTooLarge)
        }
        if code == CURLE_COULDNT_CONNECT, let addressRefusal { return .failure(.addressRefused(addressRefusal)) }
        if let failure = multipartBody?.failure {
            return .failure(.transport(code: Int32(truncatingIfNeeded: code.rawValue), message: failure))
        }
        let message = easy.lastErrorMessage ?? String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return .failure(.timedOut)
        case CURLE_PEER_FAILED_VERIFICATION:
            return .failure(.untrustedCertificate(message))
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .failure(.connectFailed(message))
        default:
            return .failure(.transport(code: Int32(truncatingIfNeeded: code.rawValue), message: message))
        }
    }

    // MARK: libcurl callbacks (loop thread)

    /// Returns false to make libcurl abort the transfer once the limit is passed.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        response.receiveBody(bytes) {
            var status = 0
            _ = okf_easy_getinfo_long(easy.handle, CURLINFO_RESPONSE_CODE, &status)
            return status
        }
    }

    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        response.receiveHeaderLine(String(decoding: bytes, as: UTF8.self))
    }

    /// Opens the socket for a connection to `address` once the request's `addressCheck`
    /// accepts it; `CURL_SOCKET_BAD` makes libcurl try the next address or give up.
    func openSocket(_ address: UnsafeMutablePointer<curl_sockaddr>) -> curl_socket_t {
        let family = address.pointee.family
        if let addressCheck {
            // `addr` is the head of a larger storage (an IPv6 address does not fit in a
            // `sockaddr`): read through the original pointer, never a copy.
            let storage = UnsafeRawPointer(address) + MemoryLayout<curl_sockaddr>.offset(of: \.addr)!
            let bytes: [UInt8]
            switch family {
            case AF_INET:
                var v4 = storage.loadUnaligned(as: sockaddr_in.self).sin_addr
                bytes = withUnsafeBytes(of: &v4) { Array($0) }
            case AF_INET6:
                var v6 = storage.loadUnaligned(as: sockaddr_in6.self).sin6_addr
                bytes = withUnsafeBytes(of: &v6) { Array($0) }
            default:
                addressRefusal = "address family \(family) not supported"
                return CURL_SOCKET_BAD
            }
            if let refusal = addressCheck(bytes) {
                addressRefusal = refusal
                return CURL_SOCKET_BAD
            }
        }
        return socket(family, address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue), address.pointee.protocol)
    }

    private static func redacted(_ url: String) -> String {
        var base = url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? url
        if let schemeEnd = base.range(of: "://") {
            let authorityEnd = base[schemeEnd.upperBound...].firstIndex(of: "/") ?? base.endIndex
            if let at = base[schemeEnd.upperBound..<authorityEnd].lastIndex(of: "@") {
                base.removeSubrange(schemeEnd.upperBound...at)
            }
        }
        return base
    }
}
