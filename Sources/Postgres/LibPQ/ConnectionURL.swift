import Foundation

/// What the module does to a connection string before and after using it.
enum ConnectionURL {
    /// Seconds libpq may spend connecting, unless the URL says otherwise; without it a
    /// black-holed server would block a pool thread, and its callers, for minutes.
    static let defaultConnectTimeout = "5"

    /// The URL with its password replaced by `***`, for log lines.
    /// Handles `postgresql://user:secret@host/db`, `?password=secret` and `password=secret` / `password='se cret'`.
    static func redacted(_ url: String) -> String {
        var out = url
        if let schemeEnd = out.range(of: "://") {
            let authorityEnd = out[schemeEnd.upperBound...].firstIndex(where: { "/?".contains($0) }) ?? out.endIndex
            let authority = out[schemeEnd.upperBound..<authorityEnd]
            if let at = authority.lastIndex(of: "@"),
                let colon = authority[..<at].firstIndex(of: ":")
            {
                out.replaceSubrange(out.index(after: colon)..<at, with: "***")
            }
        }
        return redactPasswordParameter(out)
    }

    /// Replaces the value after every `password=` (URI query or key=value form).
    private static func redactPasswordParameter(_ url: String) -> String {
        var out = ""
        var rest = Substring(url)
        while let match = rest.range(of: "password", options: .caseInsensitive) {
            out += rest[..<match.upperBound]
            rest = rest[match.upperBound...]
            // Only a parameter name: preceded by start, `?`, `&` or whitespace, followed by `=`.
            let before = out.dropLast("password".count).last
            let isKey = before == nil || before == "?" || before == "&" || before!.isWhitespace
            var afterKey = rest.drop(while: { $0 == " " })
            guard isKey, afterKey.first == "=" else { continue }
            afterKey = afterKey.dropFirst().drop(while: { $0 == " " })
            out += "=***"
            if afterKey.first == "'" {
                // Quoted key=value value; backslash escapes a quote.
                var index = afterKey.index(after: afterKey.startIndex)
                while index < afterKey.endIndex, afterKey[index] != "'" {
                    if afterKey[index] == "\\" { index = afterKey.index(after: index) }
                    if index < afterKey.endIndex { index = afterKey.index(after: index) }
                }
                rest = index < afterKey.endIndex ? afterKey[afterKey.index(after: index)...] : afterKey[index...]
            } else {
                rest = afterKey.drop(while: { !$0.isWhitespace && $0 != "&" })
            }
        }
        return out + rest
    }
}
