import Pipeline
import ImageStore
import OkayFace
import Verification

/// The parsers that read bytes from outside the worker, as libFuzzer targets: each takes any
/// bytes and must neither crash nor break the invariants its callers rely on.
enum FuzzTarget: String, CaseIterable {
    /// A Kafka message value → `VerificationRequested` or `InvalidRequest`.
    case requestDecoder = "request-decoder"
    /// An OkayFace Plus answer (first byte: the HTTP status; the rest: the body).
    case vendorResponse = "vendor-response"
    /// An `http(s)://` or `s3://` image URI → its canonical form, or a refusal.
    case uriPolicy = "uri-policy"

    /// HTTP statuses the vendor answers with; the first input byte picks one.
    private static let statuses = [200, 201, 400, 401, 403, 404, 413, 429, 500, 502, 503]

    func run(_ bytes: [UInt8]) {
        switch self {
        case .requestDecoder:
            guard let request = try? RequestDecoder.decode(bytes) else { return }
            // What the pipeline relies on once a request decoded.
            precondition(!request.requestId.isEmpty, "decoded a request without a requestId")
            for role in ImageRole.allCases {
                precondition(!request.uri(role).isEmpty, "decoded a request without its \(role) image")
            }
            // The pipeline compares digests as lower-case hex strings.
            for digest in request.imageSHA256.values {
                precondition(digest.utf8.count == 64 && digest.utf8.allSatisfy { byte in
                    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                }, "decoded a digest that is not 64 lower-case hex digits")
            }
        case .vendorResponse:
            let status = bytes.first.map { Self.statuses[Int($0) % Self.statuses.count] } ?? 200
            let response = OkayFacePlusResponse.parse(httpStatus: status, body: Array(bytes.dropFirst()))
            // A success needs a 2xx; the decision policy relies on it.
            if response.errorCode == nil { precondition((200..<300).contains(status), "success without a 2xx") }
        case .uriPolicy:
            guard let uri = try? RemoteURI(String(decoding: bytes, as: UTF8.self)) else { return }
            // The allow-list compares canonical forms: they must be fixed points and hold
            // nothing that could walk out of a prefix.
            precondition((try? RemoteURI(uri.canonical)) == uri, "canonical form is not a fixed point")
            let canonical = uri.canonical
            // "@" is a path character: the authority is what must stay plain.
            let authority = "\(uri.scheme.rawValue)://\(uri.host)" + (uri.port.map { ":\($0)" } ?? "")
            precondition(canonical == authority + uri.path && uri.path.hasPrefix("/"), "canonical form is not authority + path")
            precondition(uri.host.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
            }, "host holds more than letters, digits, dots and dashes")
            precondition(!canonical.contains("?") && !canonical.contains("#"), "query or fragment left in")
            precondition(!canonical.contains("/../") && !canonical.hasSuffix("/..") && !canonical.contains("/./"), "dot segment left in")
            precondition(!canonical.uppercased().contains("%2F") && !canonical.contains("%00"), "encoded slash or NUL left in")
        }
    }
}
