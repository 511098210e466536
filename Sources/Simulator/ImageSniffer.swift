import Hummingbird

/// Recognises the image formats the vendor accepts (JPEG and PNG) by their magic bytes,
/// as the vendor does not trust the part's declared content type.
enum ImageSniffer {
    /// The formats OkayFace Plus accepts.
    enum Format: Sendable, Equatable {
        case jpeg
        case png
    }

    private static let jpegMagic: [UInt8] = [0xFF, 0xD8, 0xFF]
    private static let pngMagic: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The format of `bytes`, or `nil` when it is neither JPEG nor PNG.
    static func format(of bytes: ByteBuffer) -> Format? {
        if bytes.hasPrefix(jpegMagic) { return .jpeg }
        if bytes.hasPrefix(pngMagic) { return .png }
        return nil
    }
}

extension ByteBuffer {
    fileprivate func hasPrefix(_ prefix: [UInt8]) -> Bool {
        guard readableBytes >= prefix.count else { return false }
        return getBytes(at: readerIndex, length: prefix.count) == prefix
    }
}
