import Hummingbird
import Logging
import Postgres
import Worker

/// Turns what the routes did not expect into an answer a person can act on: PostgreSQL out of
/// reach, refusing our role or not migrated is a 503 that says which (as `/readyz` does),
/// anything else a 500 with nothing of the internals (logged here with the route). Errors that
/// are answers already (`APIError`, Hummingbird's) pass through.
struct UnexpectedErrorMiddleware: RouterMiddleware {
    typealias Context = ConsoleRequestContext
    var database: DatabaseHealth
    var logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch let error as PostgresError {
            logger.error("a console request failed on PostgreSQL", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            database.observe(error)
            if let problem = DatabaseHealth.problem(from: error) {
                throw APIError(.serviceUnavailable, "database_unavailable", "PostgreSQL \(problem.description); try again once it is fixed")
            }
            if error.message.contains("pool is closed") {
                throw APIError(.serviceUnavailable, "database_unavailable", "PostgreSQL cannot be reached; try again in a moment")
            }
            throw APIError(.internalServerError, "internal", "the request failed; the console's log says why")
        } catch {
            logger.error("a console request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw APIError(.internalServerError, "internal", "the request failed; the console's log says why")
        }
    }
}
