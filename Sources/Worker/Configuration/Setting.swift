import Foundation

/// One setting of `okayface-worker run`: its variable, the value it takes, its default and
/// what it means. `WorkerSettings.all` lists them; the reader (`Settings`), the flags of
/// `run`, its `--help` and the README's configuration table are all made from that list, so
/// none can name a setting, a default or a range the others do not.
public struct Setting: Sendable, Hashable {
    /// What the variable holds, with its default and bounds where it has them.
    public enum Value: Sendable, Hashable {
        /// Free text; `nil` default: unset is allowed (the reader decides what it means).
        case text(default: String?)
        /// Free text that must be set.
        case requiredText
        /// An integer in `range`.
        case integer(default: Int, range: ClosedRange<Int>)
        /// A finite number in `range`; `nil` default: unset means "off".
        case number(default: Double?, range: ClosedRange<Double>)
        /// One of `choices` (case-insensitive).
        case choice(default: String, choices: [String])
        /// An absolute URL with one of `schemes`; required.
        case url(schemes: [String])
        /// A secret, given directly or as a file (`<NAME>_FILE`); `required` or optional.
        /// `valueFlag`: whether a flag may carry the secret itself (it would show in `ps`);
        /// the `--<name>-file` flag always exists.
        case secret(required: Bool, valueFlag: Bool)
        /// A path to a readable file; optional.
        case file
    }

    public let name: String
    public let value: Value
    /// The default column when the value's own default needs words ("unset: no limit").
    public let shownDefault: String?
    /// The meaning column of the README and the help line of the flag.
    public let summary: String

    public init(_ name: String, _ value: Value, shownDefault: String? = nil, _ summary: String) {
        self.name = name
        self.value = value
        self.shownDefault = shownDefault
        self.summary = summary
    }

    /// `KAFKA_BROKERS` → `--kafka-brokers`.
    public static func flag(for variable: String) -> String {
        "--" + variable.lowercased().replacingOccurrences(of: "_", with: "-")
    }

    /// The variables a flag of `run` may set: a secret's `_FILE` form beside (or instead of)
    /// its own name.
    public var flagVariables: [String] {
        guard case .secret(_, let valueFlag) = value else { return [name] }
        return valueFlag ? [name, name + "_FILE"] : [name + "_FILE"]
    }

    /// Whether start-up fails without it.
    public var isRequired: Bool {
        switch value {
        case .requiredText, .url: true
        case .secret(let required, _): required
        default: false
        }
    }

    /// The default as the README and `--help` show it.
    public var defaultText: String {
        if let shownDefault { return shownDefault }
        switch value {
        case .text(let d): return d.map { "`\($0)`" } ?? "unset"
        case .requiredText: return "**required**"
        case .integer(let d, _): return "`\(d)`"
        case .number(let d, _): return d.map { "`\(Self.format($0))`" } ?? "unset"
        case .choice(let d, _): return "`\(d)`"
        case .url: return "**required**"
        case .secret(let required, _): return required ? "**required**" : "unset"
        case .file: return "unset"
        }
    }

    /// The values it takes, as the README and `--help` show them; empty for free text.
    public var rangeText: String {
        switch value {
        case .text, .requiredText: ""
        case .integer(_, let r): "\(r.lowerBound)–\(r.upperBound)"
        case .number(_, let r): "\(Self.format(r.lowerBound))–\(Self.format(r.upperBound))"
        case .choice(_, let choices): choices.joined(separator: ", ")
        case .url(let schemes): schemes.joined(separator: "/") + " URL"
        case .secret: "or `\(name)_FILE`"
        case .file: "a readable file"
        }
    }

    /// 0.5 as `0.5`, 75 as `75`.
    static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}
