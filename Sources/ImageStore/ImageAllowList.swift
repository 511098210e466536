import Foundation

/// The URI prefixes images may come from (`IMAGE_ALLOWED_PREFIXES`). A URI outside them is
/// never read.
public struct ImageAllowList: Sendable, Equatable {
    public var prefixes: [String]

    public init(prefixes: [String]) {
        self.prefixes = prefixes.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Parses the comma-separated setting.
    public init(setting: String) {
        self.init(prefixes: setting.split(separator: ",").map(String.init))
    }

    /// The allowed prefix `uri` falls under, if any. Only the already normalised form is
    /// compared, so `..` or encoded characters cannot walk out of a prefix.
    public func prefix(covering uri: String) -> String? {
        prefixes.first { prefix in
            guard uri.hasPrefix(prefix) else { return false }
            // "file:///data/img" must not cover "file:///data/img-other/x".
            if prefix.hasSuffix("/") || uri.count == prefix.count { return true }
            return uri[uri.index(uri.startIndex, offsetBy: prefix.count)] == "/"
        }
    }
}
