/// Content type of an uploaded file, from its first bytes: the vendor accepts JPEG and
/// PNG, and the bytes are more trustworthy than any name we might give them.
enum ImageContentType {
    static func sniff(_ bytes: [UInt8]) -> String {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        return "application/octet-stream"
    }

    /// A file name whose extension matches the sniffed type, e.g. "best.jpg".
    static func filename(stem: String, bytes: [UInt8]) -> String {
        switch sniff(bytes) {
        case "image/jpeg": "\(stem).jpg"
        case "image/png": "\(stem).png"
        default: "\(stem).bin"
        }
    }
}
