import WebClient
import Logging
import OkayFace

/// Journeys created through the vendor's Create JourneyID before a bench run, so that the
/// measured requests carry a journeyId and the worker makes only OkayFace Plus calls.
enum JourneyPool {
    /// Creates `count` journeys at `vendorURL` as `demo`, a few at a time.
    static func create(count: Int, vendorURL: String, logger: Logger) async throws -> [String] {
        let http = WebClient(logger: logger)
        defer { http.shutdown() }
        let client = OkayFaceClient(
            configuration: OkayFaceConfiguration(baseURL: vendorURL, username: "demo", password: "demo-password"),
            http: http, logger: logger)
        return try await withThrowingTaskGroup(of: String.self) { group in
            var journeys: [String] = []
            journeys.reserveCapacity(count)
            for n in 0..<count {
                if n >= 16, let id = try await group.next() { journeys.append(id) }
                group.addTask { try await client.createJourney().get() }
            }
            for try await id in group { journeys.append(id) }
            return journeys
        }
    }
}
