import Foundation

/// A `file://` URI reduced to an absolute path, refusing every form that could name a file
/// other than the one it seems to: other hosts, relative paths, `.`/`..` segments, encoded
/// slashes or NUL bytes.
struct FileURI: Equatable {
    let path: String

    init?(_ uri: String) {
        guard uri.hasPrefix("file://") else { return nil }
        var rest = uri.dropFirst("file://".count)
        if rest.hasPrefix("localhost/") { rest = rest.dropFirst("localhost".count) }
        guard rest.hasPrefix("/"), !rest.contains("?"), !rest.contains("#") else { return nil }
        // An encoded "/" or NUL would change the path's shape after the allow-list check.
        let lowered = rest.lowercased()
        guard !lowered.contains("%2f"), !lowered.contains("%00") else { return nil }
        guard let decoded = String(rest).removingPercentEncoding else { return nil }
        let segments = decoded.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard !segments.contains(where: { $0 == "." || $0 == ".." }) else { return nil }
        path = decoded
    }
}
