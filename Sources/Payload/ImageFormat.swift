/// The image formats recognised from their first bytes (their signatures), which are more
/// trustworthy than a URI's extension or a server's Content-Type.
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg
    case png
    case webp

    /// Enough leading bytes to recognise every format (WebP's RIFF header is 12).
    public static let headerLength = 12

    /// The format `header` starts with; nil for anything else.
    public init?(sniffing header: some Collection<UInt8>) {
        let bytes = Array(header.prefix(Self.headerLength))
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if bytes.count == 12, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WEBP".utf8) {
            self = .webp
        } else {
            return nil
        }
    }

    public var mimeType: String { "image/\(rawValue)" }

    /// The usual file name extension.
    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .png: "png"
        case .webp: "webp"
        }
    }
}

extension ImagePayload {
    /// The format the payload's first bytes announce; reads only those bytes.
    public var imageFormat: ImageFormat? {
        ImageFormat(sniffing: prefix(ImageFormat.headerLength))
    }
}
