import CCurl
import Payload

// Set-up of a transfer's easy handle, on the calling task before it is submitted: options,
// method and body, headers.
extension CurlTransfer {
    func configure(_ request: WebRequest) throws(WebClientError) {
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
        // libcurl's smallest upload buffer instead of its 64 KB default: measured at 4,096 calls
        // in flight, peak RSS 479–483 MB instead of 517–525 MB, throughput within the runs'
        // spread (docs/benchmarks.md).
        try check(okf_easy_setopt_long(handle, CURLOPT_UPLOAD_BUFFERSIZE, 16_384))
        if let bytes = request.receiveBufferBytes {
            try check(okf_easy_setopt_long(handle, CURLOPT_BUFFERSIZE, max(bytes, 1024)))
        }
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

        let bodyContentType = try configureMethodAndBody(request)
        try configureHeaders(request, bodyContentType: bodyContentType)
    }

    /// Returns the body's own `Content-Type` (a multipart body's, with its boundary), which
    /// replaces any the request names.
    private func configureMethodAndBody(_ request: WebRequest) throws(WebClientError) -> String? {
        let handle = easy.handle
        let method = request.method.uppercased()
        var contentType: String?
        switch request.body {
        case .empty:
            switch method {
            case "GET":
                try check(okf_easy_setopt_long(handle, CURLOPT_HTTPGET, 1))
                return nil
            case "HEAD":
                try check(okf_easy_setopt_long(handle, CURLOPT_NOBODY, 1))
                return nil
            case "POST", "PUT", "PATCH":
                // Send an explicit empty body (Content-Length: 0) as servers expect.
                try setBytes([], on: handle)
            default:
                break
            }
        case .bytes(let bytes):
            try setBytes(bytes, on: handle)
        case .multipart(let parts):
            contentType = try setMultipart(parts, on: handle)
        }
        if method != "POST" || request.method != method {
            try check(okf_easy_setopt_ptr(handle, CURLOPT_CUSTOMREQUEST, request.method))
        }
        return contentType
    }

    private func setBytes(_ bytes: [UInt8], on handle: UnsafeMutableRawPointer) throws(WebClientError) {
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

    private func configureHeaders(_ request: WebRequest, bodyContentType: String?) throws(WebClientError) {
        var hasExpect = false
        var lines: [String] = []
        if let bodyContentType { lines.append("Content-Type: \(bodyContentType)") }
        for header in request.headers {
            guard Self.isValidHeaderText(header.name), !header.name.isEmpty, Self.isValidHeaderText(header.value) else {
                throw .transport(code: Int32(CURLE_BAD_FUNCTION_ARGUMENT.rawValue), message: "invalid header \(header.name.debugDescription)")
            }
            let name = header.name.lowercased()
            if name == "expect" { hasExpect = true }
            if name == "content-type", bodyContentType != nil { continue }
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

    func check(_ code: CURLcode) throws(WebClientError) {
        guard code == CURLE_OK else {
            throw .transport(code: Int32(truncatingIfNeeded: code.rawValue), message: String(cString: curl_easy_strerror(code)))
        }
    }

    /// CR, LF and NUL would let a value smuggle extra header lines.
    static func isValidHeaderText(_ text: String) -> Bool {
        !text.utf8.contains { $0 == 13 || $0 == 10 || $0 == 0 }
    }
}
