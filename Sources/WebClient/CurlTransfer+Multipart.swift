import CCurl

// A multipart body as a POST of known length through one read callback (MultipartBodyReader).
extension CurlTransfer {
    /// Returns the body's `Content-Type` header value, for the header list.
    func setMultipart(_ parts: [MultipartFormPart], on handle: UnsafeMutableRawPointer) throws(WebClientError) -> String {
        for part in parts {
            if let contentType = part.contentType, !Self.isValidHeaderText(contentType) {
                throw .transport(code: Int32(CURLE_BAD_FUNCTION_ARGUMENT.rawValue), message: "invalid content type of part \(part.name.debugDescription)")
            }
        }
        let reader = MultipartBodyReader(parts: parts)
        multipartBody = reader
        let userdata = Unmanaged.passUnretained(reader).toOpaque()
        try check(okf_easy_setopt_long(handle, CURLOPT_POST, 1))
        try check(okf_easy_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(reader.byteCount)))
        try check(okf_easy_setopt_read(handle) { buffer, size, count, userdata in
            guard let buffer, let userdata else { return Int(CURL_READFUNC_ABORT) }
            let reader = Unmanaged<MultipartBodyReader>.fromOpaque(userdata).takeUnretainedValue()
            return reader.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
        })
        try check(okf_easy_setopt_ptr(handle, CURLOPT_READDATA, userdata))
        try check(okf_easy_setopt_seek(handle) { userdata, offset, origin in
            guard let userdata else { return CURL_SEEKFUNC_FAIL }
            return Unmanaged<MultipartBodyReader>.fromOpaque(userdata).takeUnretainedValue().seek(to: offset, origin: origin)
        })
        try check(okf_easy_setopt_ptr(handle, CURLOPT_SEEKDATA, userdata))
        return reader.contentType
    }
}
