import Foundation
import Logging

/// The loop one pool thread runs: it owns one connection, (re)connects it before a job when
/// needed, runs jobs from the shared queue, and closes the connection when the queue is done.
struct PoolWorker: Sendable {
    let id: Int
    let url: String
    let queue: PoolJobQueue
    let logger: Logger

    func run() {
        var connection: PostgresConnection?
        var backoff = ReconnectBackoff()
        while let job = queue.next() {
            if let current = connection, !current.probe() {
                logger.warning("PostgreSQL connection lost; reconnecting before the next job", metadata: ["pg.thread": "\(id)"])
                current.close()
                connection = nil
            }
            if connection == nil {
                do {
                    connection = try connect(backoff: &backoff)
                } catch {
                    job.fail(error)
                    continue
                }
            }
            guard let connection else { continue }
            job.run(connection)
            cleanUp(after: connection)
        }
        connection?.close()
    }

    private func connect(backoff: inout ReconnectBackoff) throws(PostgresError) -> PostgresConnection {
        let wait = backoff.remaining()
        // A closing pool finishes its queue without waiting: each job gets one prompt attempt.
        if wait > .zero && !queue.isClosed {
            Thread.sleep(forTimeInterval: Double(wait.components.seconds) + Double(wait.components.attoseconds) * 1e-18)
        }
        do {
            let connection = try PostgresConnection(url: url)
            if backoff.lastFailure != nil {
                logger.info("PostgreSQL connection re-established", metadata: ["pg.thread": "\(id)"])
            } else {
                logger.debug("PostgreSQL connection opened", metadata: ["pg.thread": "\(id)", "pg.url": "\(ConnectionURL.redacted(url))"])
            }
            backoff.succeeded()
            return connection
        } catch {
            backoff.failed()
            logger.warning(
                "PostgreSQL connection failed",
                metadata: ["pg.thread": "\(id)", "pg.url": "\(ConnectionURL.redacted(url))", "error": "\(error.message)"])
            throw error
        }
    }

    /// A job must not leave its session in a transaction for the next job to inherit.
    private func cleanUp(after connection: PostgresConnection) {
        guard connection.isHealthy, connection.isInTransaction else { return }
        logger.warning("a PostgreSQL job left a transaction open; rolling it back", metadata: ["pg.thread": "\(id)"])
        do {
            try connection.execute("ROLLBACK")
        } catch {
            connection.close()  // reconnected before the next job
        }
    }
}
