import ArgumentParser
import Console
import Foundation
import Postgres
import Verification
import Worker

/// `okayface-worker users add|list|disable`: the console's people.
struct UsersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Add, list or disable console users.",
        subcommands: [Add.self, List.self, Disable.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user; the password comes from --password-file or, one line, from standard input.")

        @Option(help: "DATABASE_URL (or DATABASE_URL_FILE in the environment)") var databaseUrl: String?
        @Argument(help: "the user's name: 1–64 letters, digits, '.', '_', '@', '-'") var name: String
        @Option(help: "viewer, reviewer or admin") var role: String
        @Option(help: "a file holding the password (one trailing newline ignored)") var passwordFile: String?

        func run() async throws {
            guard let role = ConsoleRole(rawValue: role) else { throw ValidationError("--role must be viewer, reviewer or admin") }
            guard ConsoleUser.isValidName(name) else {
                throw ValidationError("a user name is 1–64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit")
            }
            let url = try BackOfficeCommand.databaseURL(BackOfficeCommand.environment(databaseUrl))
            let password = try readPassword()
            if let problem = Passwords.problem(password) { throw ValidationError(problem) }
            let hash = await Passwords.hash(password)
            let name = self.name
            try BackOfficeCommand.withConnection(url) { connection in
                try People.addUser(
                    name: name, role: role, passwordHash: hash, by: AuditEntry.commandLineActor, address: "cli", on: connection)
            }
            print("user \(name) added as \(role.rawValue)")
        }

        private func readPassword() throws -> String {
            var text: String
            if let passwordFile {
                guard let data = FileManager.default.contents(atPath: passwordFile), let read = String(data: data, encoding: .utf8) else {
                    throw ValidationError("--password-file \(passwordFile) cannot be read")
                }
                text = read
            } else {
                if isatty(0) != 0 { FileHandle.standardError.write(Data("password for \(name): ".utf8)) }
                guard let line = readLine(strippingNewline: false) else {
                    throw ValidationError("no password on standard input (or give --password-file)")
                }
                text = line
            }
            if text.hasSuffix("\n") { text.removeLast() }
            if text.hasSuffix("\r") { text.removeLast() }
            return text
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users with their role, state and active tokens.")
        @Option(help: "DATABASE_URL (or DATABASE_URL_FILE in the environment)") var databaseUrl: String?

        func run() throws {
            let url = try BackOfficeCommand.databaseURL(BackOfficeCommand.environment(databaseUrl))
            let users = try BackOfficeCommand.withConnection(url) { try People.listUsers(on: $0) }
            guard !users.isEmpty else {
                print("no users yet: okayface-worker users add NAME --role admin")
                return
            }
            let width = max(4, users.map(\.name.count).max() ?? 4)
            func cell(_ text: String, _ n: Int) -> String { text.padding(toLength: n, withPad: " ", startingAt: 0) }
            print(cell("name", width) + "  role      state     tokens  created (UTC)")
            for user in users {
                let state = user.disabledAt == nil ? "active" : "disabled"
                let line = [cell(user.name, width), cell(user.role.rawValue, 8), cell(state, 8), cell(String(user.activeTokens), 6)]
                print(line.joined(separator: "  ") + "  " + Timestamp.format(user.createdAt))
            }
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a user: their sessions end and their tokens stop working.")
        @Option(help: "DATABASE_URL (or DATABASE_URL_FILE in the environment)") var databaseUrl: String?
        @Argument(help: "the user's name") var name: String

        func run() throws {
            let url = try BackOfficeCommand.databaseURL(BackOfficeCommand.environment(databaseUrl))
            let name = self.name
            try BackOfficeCommand.withConnection(url) { connection in
                try People.disableUser(name: name, by: AuditEntry.commandLineActor, address: "cli", on: connection)
            }
            print("user \(name) disabled; their sessions and tokens no longer work")
        }
    }
}

/// `okayface-worker tokens create --user NAME`: an API token, printed once.
struct TokensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "Create API tokens for console users.", subcommands: [Create.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API token for a user; it is printed once and only its SHA-256 is stored.")
        @Option(help: "DATABASE_URL (or DATABASE_URL_FILE in the environment)") var databaseUrl: String?
        @Option(help: "the user the token acts as") var user: String
        @Option(help: "what the token is for, e.g. the tool that uses it") var label: String?

        func run() throws {
            let url = try BackOfficeCommand.databaseURL(BackOfficeCommand.environment(databaseUrl))
            let (user, label) = (self.user, self.label)
            let token = try BackOfficeCommand.withConnection(url) { connection in
                try People.createToken(user: user, label: label, by: AuditEntry.commandLineActor, address: "cli", on: connection)
            }
            print(token)
            FileHandle.standardError.write(Data("token for \(user) created; it is shown only this once\n".utf8))
        }
    }
}
