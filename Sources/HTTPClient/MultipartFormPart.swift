/// One part of a `multipart/form-data` body. A part with a `filename` is sent as a file
/// part; without one it is a plain text field.
public struct MultipartFormPart: Sendable {
    public var name: String
    public var filename: String?
    public var contentType: String?
    public var data: [UInt8]

    public init(name: String, filename: String? = nil, contentType: String? = nil, data: [UInt8]) {
        self.name = name
        self.filename = filename
        self.contentType = contentType
        self.data = data
    }
}
