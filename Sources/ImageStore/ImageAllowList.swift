import Foundation

/// The URI prefixes images may come from (`IMAGE_ALLOWED_PREFIXES`). A URI outside them is
/// never read.
///
/// `file://` prefixes are compared with the URI as given and then again with the file's real
/// path (``FileImageStore``). `http://`, `https://` and `s3://` prefixes are compared in
/// ``RemoteURI``'s canonical form only, so no spelling of a location (case, default port,
/// escapes) reaches outside a prefix, and a prefix covers whole path segments:
/// `https://img.example/kyc` covers `https://img.example/kyc/a.jpg`, not
/// `https://img.example/kyc-old/a.jpg`, and never `https://img.example.evil.net/kyc/a.jpg`.
public struct ImageAllowList: Sendable, Equatable {
    /// The entries as given, blanks removed.
    public var prefixes: [String]
    /// The canonical forms of the http(s) and s3 entries.
    public let remotePrefixes: [String]

    /// An entry that is not a usable prefix.
    public struct InvalidEntry: Error, Equatable, Sendable {
        public let entry: String
        public let reason: String
    }

    /// Entries that do not parse cover nothing; ``init(validating:)`` refuses them instead.
    public init(prefixes: [String]) {
        self.prefixes = prefixes.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        remotePrefixes = self.prefixes.compactMap { try? RemoteURI($0).canonical }
    }

    /// Parses the comma-separated setting, ignoring entries that do not parse.
    public init(setting: String) {
        self.init(prefixes: setting.split(separator: ",").map(String.init))
    }

    /// Parses the comma-separated setting; every entry must be an absolute `file:///` folder
    /// or an `http://`, `https://` or `s3://` prefix in a form ``RemoteURI`` accepts.
    public init(validating setting: String) throws(InvalidEntry) {
        self.init(setting: setting)
        for entry in prefixes {
            if entry.lowercased().hasPrefix("file:") {
                guard FileURI(entry) != nil else {
                    throw InvalidEntry(entry: entry, reason: "not an absolute file:/// folder")
                }
                continue
            }
            do {
                _ = try RemoteURI(entry)
            } catch {
                throw InvalidEntry(entry: entry, reason: error.reason)
            }
        }
    }

    /// The allowed `file://` prefix `uri` falls under, if any. Only the already normalised
    /// form is compared, so `..` or encoded characters cannot walk out of a prefix.
    public func prefix(covering uri: String) -> String? {
        prefixes.first { Self.covers(prefix: $0, uri) }
    }

    /// Whether a remote URI (in canonical form) lies under a remote prefix.
    public func covers(_ uri: RemoteURI) -> Bool {
        let canonical = uri.canonical
        return remotePrefixes.contains { Self.covers(prefix: $0, canonical) }
    }

    /// `prefix` covers `uri` at a segment boundary: "file:///data/img" does not cover
    /// "file:///data/img-other/x".
    private static func covers(prefix: String, _ uri: String) -> Bool {
        guard uri.hasPrefix(prefix) else { return false }
        if prefix.hasSuffix("/") || uri.utf8.count == prefix.utf8.count { return true }
        return uri.utf8.dropFirst(prefix.utf8.count).first == UInt8(ascii: "/")
    }
}
