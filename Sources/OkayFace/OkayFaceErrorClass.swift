import Foundation

/// Which vendor failures are worth retrying.
public enum OkayFaceErrorClass {
    private static let transientCodes: Set<String> = ["UNEXPECTED_ERROR", "INTEG_ERROR", "MAX_API_CALL_EXCEEDED"]

    /// vendor-api.md §2 Decision: network errors, timeouts, HTTP 5xx, HTTP 429,
    /// UNEXPECTED_ERROR, INTEG_ERROR, MAX_API_CALL_EXCEEDED are transient; everything
    /// else is final. A nil `httpStatus` means no HTTP answer arrived (network error or
    /// timeout) and is therefore transient.
    public static func isTransient(httpStatus: Int?, code: String?) -> Bool {
        guard let httpStatus else { return true }
        if httpStatus == 429 || (500..<600).contains(httpStatus) { return true }
        if let code, transientCodes.contains(code.trimmingCharacters(in: .whitespaces).uppercased()) { return true }
        return false
    }
}
