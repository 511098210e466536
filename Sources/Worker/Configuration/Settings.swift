import Foundation

/// Typed reads of the environment-style settings, each by its `Setting` (whose default and
/// range apply) and each failing with a `ConfigurationError` that names the variable. Values
/// are never echoed for secrets.
struct Settings {
    var values: [String: String]

    /// Trimmed; empty counts as unset.
    func raw(_ name: String) -> String? {
        guard let raw = values[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return nil }
        return raw
    }

    /// Whether the variable (or, for a secret, either form) is set.
    func isSet(_ setting: Setting) -> Bool {
        setting.flagVariables.contains { raw($0) != nil } || raw(setting.name) != nil
    }

    /// `.text` (nil when unset without a default) and `.requiredText`.
    func text(_ setting: Setting) throws(ConfigurationError) -> String? {
        if let value = raw(setting.name) { return value }
        switch setting.value {
        case .text(let defaultValue): return defaultValue
        case .requiredText: throw ConfigurationError(setting.name, "is required but not set")
        default: preconditionFailure("\(setting.name) is not text")
        }
    }

    /// `.requiredText`, or `.text` with a default.
    func requiredText(_ setting: Setting) throws(ConfigurationError) -> String {
        guard let value = try text(setting) else { throw ConfigurationError(setting.name, "is required but not set") }
        return value
    }

    func int(_ setting: Setting) throws(ConfigurationError) -> Int {
        guard case .integer(let defaultValue, let range) = setting.value else { preconditionFailure("\(setting.name) is not an integer") }
        guard let text = raw(setting.name) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(setting.name, "must be an integer in \(range.lowerBound)...\(range.upperBound) (got \"\(text)\")")
        }
        return value
    }

    /// A `.number`; nil when unset and it has no default.
    func number(_ setting: Setting) throws(ConfigurationError) -> Double? {
        guard case .number(let defaultValue, let range) = setting.value else { preconditionFailure("\(setting.name) is not a number") }
        guard let text = raw(setting.name) else { return defaultValue }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw ConfigurationError(
                setting.name, "must be a number in \(Setting.format(range.lowerBound))...\(Setting.format(range.upperBound)) (got \"\(text)\")")
        }
        return value
    }

    /// A `.number` with a default.
    func requiredNumber(_ setting: Setting) throws(ConfigurationError) -> Double {
        guard let value = try number(setting) else { throw ConfigurationError(setting.name, "is required but not set") }
        return value
    }

    func choice(_ setting: Setting) throws(ConfigurationError) -> String {
        guard case .choice(let defaultValue, let choices) = setting.value else { preconditionFailure("\(setting.name) is not a choice") }
        let value = (raw(setting.name) ?? defaultValue).lowercased()
        guard choices.contains(value) else {
            throw ConfigurationError(setting.name, "must be one of \(choices.joined(separator: ", ")) (got \"\(value)\")")
        }
        return value
    }

    func url(_ setting: Setting) throws(ConfigurationError) -> String {
        guard case .url(let schemes) = setting.value else { preconditionFailure("\(setting.name) is not a URL") }
        guard let text = raw(setting.name) else { throw ConfigurationError(setting.name, "is required but not set") }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), schemes.contains(scheme),
              url.host != nil
        else {
            let shown = text.contains("@") ? "(a value with credentials)" : "\"\(text)\""
            throw ConfigurationError(setting.name, "must be an absolute \(schemes.joined(separator: "/")) URL (got \(shown))")
        }
        return text
    }

    /// A `.secret`: given directly or as `<NAME>_FILE` (a path whose content is the secret, one
    /// trailing newline ignored); nil when neither is set and it is optional.
    func secret(_ setting: Setting) throws(ConfigurationError) -> String? {
        guard case .secret(let required, _) = setting.value else { preconditionFailure("\(setting.name) is not a secret") }
        let value = try secret(named: setting.name)
        if value == nil && required {
            throw ConfigurationError(setting.name, "is required but not set (or set \(setting.name)_FILE)")
        }
        return value
    }

    /// A `.secret` that is required.
    func requiredSecret(_ setting: Setting) throws(ConfigurationError) -> String {
        guard let value = try secret(setting) else {
            throw ConfigurationError(setting.name, "is required but not set (or set \(setting.name)_FILE)")
        }
        return value
    }

    /// Either form of the secret `name` (also for variables read by prefix, `KAFKA_CONFIG_…`);
    /// both set is ambiguous and refused.
    func secret(named name: String) throws(ConfigurationError) -> String? {
        let direct = raw(name)
        let file = raw(name + "_FILE")
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

    /// A `.file` that must exist and be readable, e.g. a CA bundle; nil when unset.
    func readableFile(_ setting: Setting) throws(ConfigurationError) -> String? {
        guard case .file = setting.value else { preconditionFailure("\(setting.name) is not a file") }
        guard let path = raw(setting.name) else { return nil }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ConfigurationError(setting.name, "names a file that cannot be read (\(path))")
        }
        return path
    }
}
