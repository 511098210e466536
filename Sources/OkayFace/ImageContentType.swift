import Payload

/// Content type of an uploaded file part, from its first bytes: the bytes are more
/// trustworthy than any name we might give them. Not an image: an opaque bundle.
struct ImageContentType: Equatable {
    var format: ImageFormat?

    /// Reads only the first bytes: a file payload stays on disk.
    init(sniffing payload: ImagePayload) {
        format = payload.imageFormat
    }

    var mimeType: String { format?.mimeType ?? "application/octet-stream" }

    /// A file name whose extension matches the type, e.g. "best.jpg".
    func filename(stem: String) -> String {
        "\(stem).\(format?.fileExtension ?? "bin")"
    }
}
