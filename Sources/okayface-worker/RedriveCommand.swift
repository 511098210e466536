import ArgumentParser
import Blocking
import Foundation
import Kafka
import Logging
import Postgres
import Verification
import Worker

/// `okayface-worker redrive`: retryable decisions sent through the workers again.
struct RedriveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redrive",
        abstract: "Run decisions that ended retry_later again from their stored requests; each result is the next revision of the same decision.")

    @Option(help: "the next action of the decisions to run again; only retry_later is re-driven") var nextAction: String
    @Option(help: "only decisions with this reason, e.g. deadline_exceeded or vendor_unavailable") var reason: String?
    @Option(help: "only decisions made at or after: RFC 3339 or an age such as 24h") var since: String?
    @Flag(help: "say what would be re-driven, publish nothing") var dryRun = false

    func filter() throws -> Redrive.Filter {
        guard let action = NextAction(rawValue: nextAction) else {
            throw ValidationError("--next-action must be one of \(NextAction.allCases.map(\.rawValue).joined(separator: ", ")); re-drive takes retry_later")
        }
        if let refusal = Redrive.refusal(of: action) { throw ValidationError("--next-action \(refusal)") }
        var filter = Redrive.Filter(nextAction: action, reason: reason)
        if let reason, Reason(word: reason) == nil {
            let retryLater = [Reason.vendorUnavailable, .deadlineExceeded, .processingFailed, .incompleteVendorResponse].map(\.word)
            throw ValidationError("--reason \(reason) is not a reason a decision has; retry_later's are \(retryLater.joined(separator: ", "))")
        }
        if let since {
            guard let date = AgeSpec.instant(since) else { throw ValidationError("--since must be RFC 3339 or an age such as 24h") }
            filter.since = date
        }
        return filter
    }

    func run() async throws {
        let filter = try filter()
        let c = try DLQCommand.setup()
        LogSetup.bootstrap(format: c.logFormat, level: .error)
        let logger = Logger(label: "okayface-worker.redrive")
        let pool = PostgresPool(url: c.databaseURL, size: 1, logger: logger)
        let candidates: [Redrive.Candidate]
        do {
            candidates = try await pool.withConnection { try Redrive.candidates(filter, on: $0) }
        } catch {
            await BlockingWork.run { pool.close() }
            FileHandle.standardError.write(Data("database error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let dryRun = self.dryRun
        let outcomes = try await DLQCommand.publishing(c, pool: pool, logger: logger, what: "redrive") { producer in
            try await Redrive.run(
                candidates, producer: producer, pool: pool, requestTopic: c.kafka.requestTopic, dryRun: dryRun,
                actor: AuditEntry.commandLineActor)
        }
        for (candidate, step) in outcomes {
            print("\(candidate.requestId)  revision \(candidate.revision)  \(candidate.reasons.joined(separator: ","))  \(step.rawValue)")
        }
        let redriven = outcomes.filter { $0.1 == (dryRun ? .wouldRedrive : .redriven) }.count
        let noun = outcomes.count == 1 ? "decision" : "decisions"
        print(dryRun ? "dry run: \(redriven) of \(outcomes.count) \(noun) would be re-driven; nothing was published"
                     : "re-drove \(redriven) of \(outcomes.count) \(noun); the workers write each result as its next revision")
    }
}
