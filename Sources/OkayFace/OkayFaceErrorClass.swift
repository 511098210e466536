import Foundation

/// Which vendor failures are worth retrying.
public enum OkayFaceErrorClass {
    private static let transientCodes: Set<String> = ["UNEXPECTED_ERROR", "INTEG_ERROR", "MAX_API_CALL_EXCEEDED"]

    /// The vendor's documented rule (README, Decision policy): network errors, timeouts, HTTP 5xx, HTTP 429,
    /// UNEXPECTED_ERROR, INTEG_ERROR, MAX_API_CALL_EXCEEDED are transient; everything
    /// else is final. A nil `httpStatus` means no HTTP answer arrived (network error or
    /// timeout) and is therefore transient.
    public static func isTransient(httpStatus: Int?, code: String?) -> Bool {
        guard let httpStatus else { return true }
        if httpStatus == 429 || (500..<600).contains(httpStatus) { return true }
        if let code, transientCodes.contains(code.trimmingCharacters(in: .whitespaces).uppercased()) { return true }
        return false
    }

    private static let accountCodes: Set<String> = [
        "INCORRECT_PASSWORD", "USERNAME_NOT_EXIST", "MISSING_PARAM_CRENDENTIAL", "API_KEY_EXPIRED", "INVALID_API_KEY",
        "ERROR_IDV_EXPIRED", "MAX_JOURNEY_EXCEEDED",
    ]

    /// A failure of our own account or configuration, not of the request: wrong or expired
    /// credentials, an exhausted journey allowance, and HTTP 401/403/404 from the vendor's
    /// endpoints (a wrong `OKAYFACE_BASE_URL` answers 404 to every call). Never a customer's
    /// decision: the worker holds its requests until the vendor accepts it again.
    public static func isAccountFailure(httpStatus: Int?, code: String?) -> Bool {
        if let httpStatus, [401, 403, 404].contains(httpStatus) { return true }
        guard let code else { return false }
        return accountCodes.contains(code.trimmingCharacters(in: .whitespaces).uppercased())
    }
}
