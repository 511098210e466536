import Payload

/// Content type of an uploaded file, from its first bytes: the vendor accepts JPEG and
/// PNG, and the bytes are more trustworthy than any name we might give them.
enum ImageContentType: Equatable {
    case jpeg
    case png
    case other

    /// Enough leading bytes to recognise every type above (PNG's signature is 8 bytes).
    static let headerLength = 8

    init(sniffing header: some Collection<UInt8>) {
        if header.starts(with: [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if header.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else {
            self = .other
        }
    }

    /// Reads only the first bytes: a file payload stays on disk.
    init(sniffing payload: ImagePayload) {
        self.init(sniffing: payload.prefix(Self.headerLength))
    }

    var mimeType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .other: "application/octet-stream"
        }
    }

    /// A file name whose extension matches the type, e.g. "best.jpg".
    func filename(stem: String) -> String {
        switch self {
        case .jpeg: "\(stem).jpg"
        case .png: "\(stem).png"
        case .other: "\(stem).bin"
        }
    }
}
