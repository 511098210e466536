import Simulator

/// What a client sent as `multipart/form-data`, read the way the simulator reads it.
public enum MultipartBody {
    public typealias Part = ReceivedFormPart

    /// The `boundary` parameter of a `multipart/form-data` content type, without quotes.
    public static func boundary(fromContentType contentType: String) -> String? {
        ReceivedForm.boundary(ofContentType: contentType)
    }

    /// The parts of `body`, in order; none when it does not parse.
    public static func parse(_ body: [UInt8], boundary: String) -> [Part] {
        ReceivedForm.parts(body, boundary: boundary) ?? []
    }
}
