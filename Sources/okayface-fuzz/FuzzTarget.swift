import OkayFace
import Verification

/// The parsers that read bytes from outside the worker, as libFuzzer targets: each takes any
/// bytes and must neither crash nor break the invariants its callers rely on.
enum FuzzTarget: String, CaseIterable {
    /// A Kafka message value → `VerificationRequested` or `InvalidRequest`.
    case requestDecoder = "request-decoder"
    /// An OkayFace Plus answer (first byte: the HTTP status; the rest: the body).
    case vendorResponse = "vendor-response"

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
        case .vendorResponse:
            let status = bytes.first.map { Self.statuses[Int($0) % Self.statuses.count] } ?? 200
            let response = OkayFacePlusResponse.parse(httpStatus: status, body: Array(bytes.dropFirst()))
            // A success needs a 2xx; the decision policy relies on it.
            if response.errorCode == nil { precondition((200..<300).contains(status), "success without a 2xx") }
        }
    }
}
