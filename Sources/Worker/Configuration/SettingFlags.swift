import Foundation

/// The flags of `okayface-worker run`, one per variable of `WorkerSettings.all` (a secret's
/// `_FILE` form included): `--worker-max-in-flight 8` or `--worker-max-in-flight=8` sets
/// `WORKER_MAX_IN_FLIGHT`, and a flag wins over the environment.
public enum SettingFlags {
    /// A flag that is not a setting's, or one without its value: one line for the operator.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String

        public init(description: String) { self.description = description }
    }

    /// Flag → variable, for every setting of `settings`.
    static func variables(_ settings: [Setting]) -> [String: String] {
        var map: [String: String] = [:]
        for setting in settings {
            for variable in setting.flagVariables { map[Setting.flag(for: variable)] = variable }
        }
        return map
    }

    static let variables = variables(WorkerSettings.all)

    /// `environment` with the variables `arguments` set laid over it. A secret's file flag
    /// replaces the secret itself from the environment, so the two forms never clash.
    /// `settings` and `command` are those of another command than `run` (`console`).
    public static func apply(
        _ arguments: [String], to environment: [String: String], settings: [Setting] = WorkerSettings.all,
        command: String = "run"
    ) throws(Problem) -> [String: String] {
        let variables = settings == WorkerSettings.all ? Self.variables : variables(settings)
        var values = environment
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else {
                // The first word may be a mistyped command (`okayface-worker migrat`): `run` is
                // the default command, so the parser hands it here.
                if index == 1, command == "run", let command = nearest(argument, among: commands) {
                    throw Problem(description: "unknown command '\(argument)' (did you mean \(command)?); okayface-worker --help lists the commands")
                }
                throw Problem(description: "unexpected argument '\(argument)': settings are given as --name value")
            }
            let flag: String
            let value: String
            if let eq = argument.firstIndex(of: "=") {
                flag = String(argument[..<eq])
                value = String(argument[argument.index(after: eq)...])
            } else {
                flag = argument
                guard index < arguments.endIndex, !arguments[index].hasPrefix("--") else {
                    throw Problem(description: "\(flag) needs a value")
                }
                value = arguments[index]
                index += 1
            }
            guard let variable = variables[flag] else {
                throw Problem(
                    description: "unknown option '\(flag)'\(suggestion(for: flag, among: variables)); okayface-worker \(command) --help lists the settings")
            }
            values[variable] = value
            if variable.hasSuffix("_FILE") { values[String(variable.dropLast("_FILE".count))] = nil }
        }
        return values
    }

    /// The settings as `run --help` lists them: flag, variable, default, values, meaning.
    public static var help: String { help(WorkerSettings.all, kafkaConfig: true) }

    /// The same for another command's `settings`.
    public static func help(_ settings: [Setting], kafkaConfig: Bool) -> String {
        var lines = ["SETTINGS (each flag sets the environment variable it names; a flag wins):"]
        for setting in settings {
            let flags = setting.flagVariables.map { Setting.flag(for: $0) + " <value>" }.joined(separator: ", ")
            lines.append("  \(flags)")
            let shown = plain(setting.defaultText)
            var facts = [setting.isRequired ? "required" : shown.hasPrefix("required") ? shown : "default " + shown]
            if !setting.rangeText.isEmpty { facts.append(plain(setting.rangeText)) }
            lines.append(contentsOf: wrap("\(setting.name): \(plain(setting.summary)) (\(facts.joined(separator: "; ")))", indent: 8))
        }
        if kafkaConfig {
            lines.append("  --kafka-config <prop=value>")
            lines.append(contentsOf: wrap("\(WorkerSettings.kafkaConfigPrefix)<PROP>: any librdkafka property (repeatable)", indent: 8))
        }
        return lines.joined(separator: "\n")
    }

    /// The commands of `okayface-worker`, for a mistyped first word.
    static let commands = [
        "run", "migrate", "results", "purge", "console", "users", "tokens", "grant-reader", "dlq", "redrive",
    ]

    /// A close flag name, for typos: ` (did you mean --x?)` or nothing.
    private static func suggestion(for flag: String, among variables: [String: String]) -> String {
        nearest(flag, among: variables.keys.sorted()).map { " (did you mean \($0)?)" } ?? ""
    }

    /// The candidate at most 3 edits from `word`, the closest first.
    private static func nearest(_ word: String, among candidates: [String]) -> String? {
        var best: (word: String, distance: Int)?
        for candidate in candidates {
            let d = distance(candidate, word)
            if d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        guard let best, best.distance <= 3 else { return nil }
        return best.word
    }

    /// Levenshtein distance.
    private static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [Int](repeating: 0, count: b.count + 1)
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            previous = current
        }
        return previous[b.count]
    }

    private static func plain(_ markdown: String) -> String {
        markdown.replacingOccurrences(of: "`", with: "").replacingOccurrences(of: "**", with: "")
    }

    // 78: ArgumentParser wraps longer lines of a discussion at 80 columns, losing the indent.
    private static func wrap(_ text: String, indent: Int, width: Int = 78) -> [String] {
        let pad = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && pad.count + line.count + 1 + word.count > width {
                lines.append(pad + line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(pad + line) }
        return lines
    }
}
