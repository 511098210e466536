import Payload

/// One part of a `multipart/form-data` body. A part with a `filename` is sent as a file
/// part; without one it is a plain text field.
public struct MultipartFormPart: Sendable {
    /// Where a part's content comes from.
    public enum Body: Sendable {
        /// Sent as they are, after the part's headers.
        case bytes([UInt8])
        /// Read from the file while the request is sent, from its start on every attempt;
        /// the transfer keeps the file open until it ends.
        case file(ReadOnlyFile)
    }

    public var name: String
    public var filename: String?
    public var contentType: String?
    public var body: Body

    public init(name: String, filename: String? = nil, contentType: String? = nil, body: Body) {
        self.name = name
        self.filename = filename
        self.contentType = contentType
        self.body = body
    }

    public init(name: String, filename: String? = nil, contentType: String? = nil, data: [UInt8]) {
        self.init(name: name, filename: filename, contentType: contentType, body: .bytes(data))
    }
}
