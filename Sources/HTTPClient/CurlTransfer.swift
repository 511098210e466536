import CCurl
#if canImport(Glibc)
import Glibc
#endif
import Payload
import Synchronization

/// One request on its easy handle: the options, the objects that must outlive the
/// transfer (header list, MIME body, the readers of its file parts), the response being
/// collected and the continuation that the multi loop resumes.
///
/// `@unchecked Sendable`: everything except `cancelRequested` is written by the calling
/// task before ``CurlMultiLoop/submit(_:)`` and afterwards only on the multi loop thread
/// (libcurl's callbacks run inside `curl_multi_perform` there). The submit goes through
/// the loop's `Mutex`, which publishes the earlier writes. `cancelRequested` is set from
/// any thread and therefore sits in its own `Mutex`.
final class CurlTransfer: @unchecked Sendable {
    typealias Completion = CheckedContinuation<Result<HTTPResponse, HTTPClientError>, Never>

    let easy: CurlEasy
    /// Method and URL without query or user info, for logs (queries can carry signatures).
    let logDescription: String
    var continuation: Completion?

    private let maxResponseBytes: Int?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var mime: OpaquePointer?
    /// The userdata of `mime`'s file-backed parts: kept alive until `mime` is freed.
    private var fileReaders: [MultipartFileReader] = []
    private var responseHeaders: [HTTPHeader] = []
    private var body: [UInt8] = []
    private var exceededLimit = false
    private let bodyStream: (any HTTPBodyStream)?
    /// Whether this response's body goes to `bodyStream` (a 2xx); decided at its first byte.
    private var streamsBody: Bool?
    private var stoppedByReceiver = false
    private let addressCheck: (@Sendable ([UInt8]) -> String?)?
    /// Why the last address was refused, for the error when no connection was made.
    private var addressRefusal: String?
    private let cancelRequested = Mutex(false)

    /// Configures `easy` for `request`; on failure the caller still owns `easy`.
    init(request: HTTPRequest, easy: CurlEasy) throws(HTTPClientError) {
        self.easy = easy
        self.maxResponseBytes = request.maxResponseBytes
        self.bodyStream = request.bodyStream
        self.addressCheck = request.addressCheck
        self.logDescription = "\(request.method) \(Self.redacted(request.url))"
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
    func finish(_ result: Result<HTTPResponse, HTTPClientError>) {
        guard let continuation else { return }
        self.continuation = nil
        continuation.resume(returning: result)
    }

    /// Frees the header list and MIME body; the easy handle must no longer be in the multi.
    func releaseCObjects() {
        if let headerList {
            curl_slist_free_all(headerList)
            self.headerList = nil
        }
        if let mime {
            curl_mime_free(mime)
            self.mime = nil
        }
        // After the MIME body that points at them; this also lets their files close.
        fileReaders.removeAll()
    }

    /// Turns the transfer's `CURLcode` into the caller's result.
    func result(for code: CURLcode) -> Result<HTTPResponse, HTTPClientError> {
        if code == CURLE_OK {
            var status = 0
            _ = okf_easy_getinfo_long(easy.handle, CURLINFO_RESPONSE_CODE, &status)
            return .success(HTTPResponse(status: status, headers: responseHeaders, body: body))
        }
        if stoppedByReceiver { return .failure(.stoppedByReceiver) }
        if exceededLimit || code == CURLE_FILESIZE_EXCEEDED {
            return .failure(.responseTooLarge)
        }
        if code == CURLE_COULDNT_CONNECT, let addressRefusal { return .failure(.addressRefused(addressRefusal)) }
        if let failure = fileReaders.lazy.compactMap(\.failure).first {
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
    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if let bodyStream {
            if streamsBody == nil {
                var status = 0
                _ = okf_easy_getinfo_long(easy.handle, CURLINFO_RESPONSE_CODE, &status)
                streamsBody = (200..<300).contains(status)
            }
            if streamsBody == true {
                guard bodyStream.receive(bytes) else {
                    stoppedByReceiver = true
                    return false
                }
                return true
            }
            // An error status: keep the start of its body for the caller's message.
            let room = min(maxResponseBytes ?? Self.errorBodyLimit, Self.errorBodyLimit) - body.count
            if room > 0 { body.append(contentsOf: bytes.prefix(room)) }
            return true
        }
        if let maxResponseBytes, body.count + bytes.count > maxResponseBytes {
            exceededLimit = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// How much of an error response's body is kept when the 2xx body would be streamed.
    static let errorBodyLimit = 64 * 1024

    /// Opens the socket for a connection to `address` once the request's `addressCheck`
    /// accepts it; `CURL_SOCKET_BAD` makes libcurl try the next address or give up.
    fileprivate func openSocket(_ address: UnsafeMutablePointer<curl_sockaddr>) -> curl_socket_t {
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

    fileprivate func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new status line (after a 1xx or a redirect): only the final response's headers count.
            responseHeaders.removeAll()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingSpaces()
        let value = line[line.index(after: colon)...].trimmingSpaces()
        guard !name.isEmpty else { return }
        responseHeaders.append(HTTPHeader(name: name, value: value))
    }

    // MARK: Set-up (calling task)

    private func configure(_ request: HTTPRequest) throws(HTTPClientError) {
        let handle = easy.handle
        easy.errorBuffer.pointee = 0
        try check(okf_easy_setopt_ptr(handle, CURLOPT_ERRORBUFFER, easy.errorBuffer))
        // Signals are process-wide; with many threads libcurl must not use them for timeouts.
        try check(okf_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        try check(okf_easy_setopt_ptr(handle, CURLOPT_URL, request.url))
        try check(okf_easy_setopt_ptr(handle, CURLOPT_PROTOCOLS_STR, request.protocols))
        try check(okf_easy_setopt_ptr(handle, CURLOPT_REDIR_PROTOCOLS_STR, request.protocols))
        if let caFile = request.caFile { try check(okf_easy_setopt_ptr(handle, CURLOPT_CAINFO, caFile)) }
        if !request.useProxyFromEnvironment { try check(okf_easy_setopt_ptr(handle, CURLOPT_PROXY, "")) }
        if let sigV4 = request.awsSigV4 {
            try check(okf_easy_setopt_ptr(handle, CURLOPT_AWS_SIGV4, sigV4.curlParameter))
            // Separate options, not "user:password": either may contain a colon.
            try check(okf_easy_setopt_ptr(handle, CURLOPT_USERNAME, sigV4.accessKeyId))
            try check(okf_easy_setopt_ptr(handle, CURLOPT_PASSWORD, sigV4.secretAccessKey))
        }
        try check(okf_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, request.timeout.curlMilliseconds))
        try check(okf_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeout.curlMilliseconds))
        try check(okf_easy_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1))
        if request.followRedirects {
            try check(okf_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1))
            try check(okf_easy_setopt_long(handle, CURLOPT_MAXREDIRS, 10))
        }
        if let maxResponseBytes = request.maxResponseBytes {
            // Refuses early when Content-Length already says too much; receiveBody covers the rest.
            try check(okf_easy_setopt_off(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(max(maxResponseBytes, 0))))
        }

        let userdata = Unmanaged.passUnretained(self).toOpaque()
        try check(okf_easy_setopt_write(handle) { data, size, count, userdata in
            guard let userdata else { return 0 }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
            let length = size * count
            return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
        })
        try check(okf_easy_setopt_ptr(handle, CURLOPT_WRITEDATA, userdata))
        try check(okf_easy_setopt_header(handle) { data, size, count, userdata in
            guard let userdata else { return 0 }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
            let length = size * count
            transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
            return length
        })
        try check(okf_easy_setopt_ptr(handle, CURLOPT_HEADERDATA, userdata))
        if addressCheck != nil {
            try check(okf_easy_setopt_opensocket(handle) { userdata, _, address in
                guard let userdata, let address else { return CURL_SOCKET_BAD }
                return Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue().openSocket(address)
            })
            try check(okf_easy_setopt_ptr(handle, CURLOPT_OPENSOCKETDATA, userdata))
        }

        try configureMethodAndBody(request)
        try configureHeaders(request)
    }

    private func configureMethodAndBody(_ request: HTTPRequest) throws(HTTPClientError) {
        let handle = easy.handle
        let method = request.method.uppercased()
        switch request.body {
        case .empty:
            switch method {
            case "GET":
                try check(okf_easy_setopt_long(handle, CURLOPT_HTTPGET, 1))
                return
            case "HEAD":
                try check(okf_easy_setopt_long(handle, CURLOPT_NOBODY, 1))
                return
            case "POST", "PUT", "PATCH":
                // Send an explicit empty body (Content-Length: 0) as servers expect.
                try setBytes([], on: handle)
            default:
                break
            }
        case .bytes(let bytes):
            try setBytes(bytes, on: handle)
        case .multipart(let parts):
            try setMultipart(parts, on: handle)
        }
        if method != "POST" || request.method != method {
            try check(okf_easy_setopt_ptr(handle, CURLOPT_CUSTOMREQUEST, request.method))
        }
    }

    private func setBytes(_ bytes: [UInt8], on handle: UnsafeMutableRawPointer) throws(HTTPClientError) {
        try check(okf_easy_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count)))
        // COPYPOSTFIELDS: libcurl keeps its own copy, so the Swift array need not outlive this call.
        let code = bytes.withUnsafeBytes { buffer in
            var empty: UInt8 = 0
            return withUnsafePointer(to: &empty) { emptyPointer in
                okf_easy_setopt_ptr(handle, CURLOPT_COPYPOSTFIELDS, buffer.baseAddress ?? UnsafeRawPointer(emptyPointer))
            }
        }
        try check(code)
    }

    private func setMultipart(_ parts: [MultipartFormPart], on handle: UnsafeMutableRawPointer) throws(HTTPClientError) {
        guard let mime = curl_mime_init(handle) else { throw .transport(code: Int32(CURLE_OUT_OF_MEMORY.rawValue), message: "curl_mime_init failed") }
        self.mime = mime
        for part in parts {
            guard let mimePart = curl_mime_addpart(mime) else { throw .transport(code: Int32(CURLE_OUT_OF_MEMORY.rawValue), message: "curl_mime_addpart failed") }
            try check(curl_mime_name(mimePart, part.name))
            switch part.body {
            case .bytes(let bytes):
                // curl_mime_data copies the bytes.
                let code = bytes.withUnsafeBufferPointer { buffer in
                    buffer.withMemoryRebound(to: CChar.self) { chars in
                        "".withCString { empty in curl_mime_data(mimePart, chars.baseAddress ?? empty, chars.count) }
                    }
                }
                try check(code)
            case .file(let file):
                try setFileData(file, on: mimePart, name: part.name)
            }
            if let filename = part.filename { try check(curl_mime_filename(mimePart, filename)) }
            if let contentType = part.contentType { try check(curl_mime_type(mimePart, contentType)) }
        }
        try check(okf_easy_setopt_ptr(handle, CURLOPT_MIMEPOST, UnsafeRawPointer(mime)))
    }

    /// The part's bytes are read from `file` while they are sent, a buffer at a time, instead
    /// of being copied into the MIME structure up front.
    private func setFileData(_ file: ReadOnlyFile, on mimePart: OpaquePointer, name: String) throws(HTTPClientError) {
        let reader = MultipartFileReader(partName: name, file: file)
        fileReaders.append(reader)
        let userdata = Unmanaged.passUnretained(reader).toOpaque()
        let code = curl_mime_data_cb(
            mimePart, curl_off_t(reader.byteCount),
            { buffer, size, count, userdata in
                guard let buffer, let userdata else { return Int(CURL_READFUNC_ABORT) }
                let reader = Unmanaged<MultipartFileReader>.fromOpaque(userdata).takeUnretainedValue()
                return reader.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
            },
            { userdata, offset, origin in
                guard let userdata else { return CURL_SEEKFUNC_FAIL }
                return Unmanaged<MultipartFileReader>.fromOpaque(userdata).takeUnretainedValue().seek(to: offset, origin: origin)
            },
            nil,  // no free callback: fileReaders owns the reader
            userdata
        )
        try check(code)
    }

    private func configureHeaders(_ request: HTTPRequest) throws(HTTPClientError) {
        var hasExpect = false
        var lines: [String] = []
        for header in request.headers {
            guard Self.isValidHeaderText(header.name), !header.name.isEmpty, Self.isValidHeaderText(header.value) else {
                throw .transport(code: Int32(CURLE_BAD_FUNCTION_ARGUMENT.rawValue), message: "invalid header \(header.name.debugDescription)")
            }
            if header.name.lowercased() == "expect" { hasExpect = true }
            // "Name;" is libcurl's spelling of a header with an empty value.
            lines.append(header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)")
        }
        // Without "Expect:" libcurl waits up to a second for "100 Continue" on larger bodies.
        // Not with SigV4: libcurl would sign the removal line as an empty header that is never
        // sent, and the store refuses the signature.
        if !hasExpect, request.awsSigV4 == nil {
            lines.append("Expect:")
        }
        for line in lines {
            guard let appended = curl_slist_append(headerList, line) else {
                throw .transport(code: Int32(CURLE_OUT_OF_MEMORY.rawValue), message: "curl_slist_append failed")
            }
            headerList = appended
        }
        try check(okf_easy_setopt_ptr(easy.handle, CURLOPT_HTTPHEADER, headerList))
    }

    private func check(_ code: CURLcode) throws(HTTPClientError) {
        guard code == CURLE_OK else {
            throw .transport(code: Int32(truncatingIfNeeded: code.rawValue), message: String(cString: curl_easy_strerror(code)))
        }
    }

    /// CR, LF and NUL would let a value smuggle extra header lines.
    private static func isValidHeaderText(_ text: String) -> Bool {
        !text.utf8.contains { $0 == 13 || $0 == 10 || $0 == 0 }
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

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
