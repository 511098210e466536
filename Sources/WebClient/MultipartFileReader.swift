import CCurl
import Payload

/// Serves one file-backed multipart part to libcurl (`curl_mime_data_cb`) for one transfer.
///
/// The position is this reader's own and every read names it (`pread`), so concurrent
/// transfers of the same file never disturb each other, and each new transfer (a retry)
/// starts from the beginning. libcurl rewinds through `seek` when it must send the body
/// again (a redirect, a reused connection that turned out dead).
///
/// Used only on the multi loop thread once the transfer is submitted; the ``CurlTransfer``
/// holds it until the MIME structure that points at it is freed.
final class MultipartFileReader {
    let partName: String
    private let file: ReadOnlyFile
    private var offset = 0
    /// Why the last read was refused, for the transfer's error.
    private(set) var failure: String?

    init(partName: String, file: ReadOnlyFile) {
        self.partName = partName
        self.file = file
    }

    var byteCount: Int { file.byteCount }

    /// A read callback result: a byte count, 0 at the end, or `CURL_READFUNC_ABORT`.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let remaining = file.byteCount - offset
        guard remaining > 0 else { return 0 }
        let wanted = min(buffer.count, remaining)
        do {
            let count = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<wanted]), at: offset)
            guard count > 0 else {
                // Content-Length already announced the size at open: a shorter file cannot be sent.
                failure = "file of part \(partName) shrank while it was sent"
                return Int(CURL_READFUNC_ABORT)
            }
            offset += count
            return count
        } catch {
            failure = "reading part \(partName) failed: \(error)"
            return Int(CURL_READFUNC_ABORT)
        }
    }

    /// A seek callback result: `CURL_SEEKFUNC_OK`, or `CURL_SEEKFUNC_FAIL` outside the file.
    func seek(to position: curl_off_t, origin: Int32) -> Int32 {
        let base: curl_off_t
        switch origin {
        case SEEK_SET: base = 0
        case SEEK_CUR: base = curl_off_t(offset)
        case SEEK_END: base = curl_off_t(file.byteCount)
        default: return CURL_SEEKFUNC_FAIL
        }
        let (target, overflow) = base.addingReportingOverflow(position)
        guard !overflow, target >= 0, target <= curl_off_t(file.byteCount) else { return CURL_SEEKFUNC_FAIL }
        offset = Int(target)
        return CURL_SEEKFUNC_OK
    }
}
