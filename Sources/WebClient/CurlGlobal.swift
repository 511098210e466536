import CCurl

/// `curl_global_init` must run once per process before any other curl call, and is not
/// thread-safe itself; a lazily initialised static gives exactly-once for free.
enum CurlGlobal {
    private static let initResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

    static func ensureInitialized() {
        precondition(initResult == CURLE_OK, "curl_global_init failed: \(initResult.rawValue)")
    }
}
