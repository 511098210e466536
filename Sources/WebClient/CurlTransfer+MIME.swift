import CCurl
import Payload

// A multipart body as libcurl MIME parts; file parts are read while they are sent.
extension CurlTransfer {
    func setMultipart(_ parts: [MultipartFormPart], on handle: UnsafeMutableRawPointer) throws(WebClientError) {
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
    private func setFileData(_ file: ReadOnlyFile, on mimePart: OpaquePointer, name: String) throws(WebClientError) {
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
}
