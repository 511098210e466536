import ArgumentParser
import Worker

/// `okayface-dev settings-table [--console]`: the README's configuration tables, made from
/// `WorkerSettings.all` (or `ConsoleSettings.all`); paste each between its README markers
/// (`settings-table`, `console-settings-table`): a test fails until they agree.
struct SettingsTableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings-table", abstract: "Print the README's table of the worker's (or the console's) settings (markdown).")

    @Flag(help: "the settings of okayface-worker console") var console = false

    func run() {
        print(console ? ConsoleSettings.markdownTable : WorkerSettings.markdownTable, terminator: "")
    }
}
