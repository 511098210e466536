import Foundation

/// Typed reads of the environment-style settings, each failing with a `ConfigurationError`
/// that names the variable. Values are never echoed for secrets.
struct Settings {
    var values: [String: String]

    func string(_ name: String, default defaultValue: String? = nil) throws(ConfigurationError) -> String {
        if let value = optional(name) { return value }
        if let defaultValue { return defaultValue }
        throw ConfigurationError(name, "is required but not set")
    }

    /// Trimmed; empty counts as unset.
    func optional(_ name: String) -> String? {
        guard let raw = values[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return nil }
        return raw
    }

    func int(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let text = optional(name) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(name, "must be an integer in \(range.lowerBound)...\(range.upperBound) (got \"\(text)\")")
        }
        return value
    }

    func double(_ name: String, default defaultValue: Double, range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        guard let text = optional(name) else { return defaultValue }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw ConfigurationError(name, "must be a number in \(range.lowerBound)...\(range.upperBound) (got \"\(text)\")")
        }
        return value
    }

    /// A number in `range`; nil when unset.
    func optionalDouble(_ name: String, range: ClosedRange<Double>) throws(ConfigurationError) -> Double? {
        guard optional(name) != nil else { return nil }
        return try double(name, default: range.lowerBound, range: range)
    }

    func choice(_ name: String, default defaultValue: String, from choices: [String]) throws(ConfigurationError) -> String {
        let value = (optional(name) ?? defaultValue).lowercased()
        guard choices.contains(value) else {
            throw ConfigurationError(name, "must be one of \(choices.joined(separator: ", ")) (got \"\(value)\")")
        }
        return value
    }

    /// A secret given directly or as `<NAME>_FILE` (a path whose content is the secret, one
    /// trailing newline ignored). Setting both is ambiguous and refused.
    func secret(_ name: String) throws(ConfigurationError) -> String {
        guard let value = try optionalSecret(name) else {
            throw ConfigurationError(name, "is required but not set (or set \(name)_FILE)")
        }
        return value
    }

    /// ``secret(_:)`` for a secret that may be absent: nil when neither form is set.
    func optionalSecret(_ name: String) throws(ConfigurationError) -> String? {
        let direct = optional(name)
        let file = optional(name + "_FILE")
        switch (direct, file) {
        case (.some, .some):
            throw ConfigurationError(name, "and \(name)_FILE are both set; set one")
        case (.some(let value), nil):
            return value
        case (nil, .some(let path)):
            guard let data = FileManager.default.contents(atPath: path), var text = String(data: data, encoding: .utf8) else {
                throw ConfigurationError(name + "_FILE", "names a file that cannot be read (\(path))")
            }
            if text.hasSuffix("\n") { text.removeLast() }
            if text.hasSuffix("\r") { text.removeLast() }
            guard !text.isEmpty else { throw ConfigurationError(name + "_FILE", "names an empty file (\(path))") }
            return text
        case (nil, nil):
            return nil
        }
    }

    /// A file that must exist and be readable, e.g. a CA bundle; nil when unset.
    func readableFile(_ name: String) throws(ConfigurationError) -> String? {
        guard let path = optional(name) else { return nil }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ConfigurationError(name, "names a file that cannot be read (\(path))")
        }
        return path
    }

    func url(_ name: String, schemes: [String]) throws(ConfigurationError) -> String {
        let text = try string(name)
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), schemes.contains(scheme),
              url.host != nil
        else {
            throw ConfigurationError(name, "must be an absolute \(schemes.joined(separator: "/")) URL")
        }
        return text
    }
}
