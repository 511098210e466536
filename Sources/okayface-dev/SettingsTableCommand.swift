import ArgumentParser
import Worker

/// `okayface-dev settings-table`: the README's configuration table, made from
/// `WorkerSettings.all`; paste it between the README's `settings-table` markers
/// (`ConfigurationTableTests` fails until the two agree).
struct SettingsTableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings-table", abstract: "Print the README's table of the worker's settings (markdown).")

    func run() {
        print(WorkerSettings.markdownTable, terminator: "")
    }
}
