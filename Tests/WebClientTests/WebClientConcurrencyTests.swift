import WebClient
import TestSupport
import Testing

@Suite("WebClient concurrency", .offCooperativePool)
struct WebClientConcurrencyTests {
    @Test func manyRequestsRunAtOnceWithinTheHostLimit() async throws {
        try await TestServer.with { base, observations in
            try await withClient(.init(maxConnectionsPerHost: 50, maxTotalConnections: 100)) { client in
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<200 {
                        group.addTask { try await client.execute(WebRequest(url: "\(base)/slow?ms=100")).status }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses.count == 200)
                #expect(statuses.allSatisfy { $0 == 200 })
                let seen = observations.snapshot.maxInFlight
                // Sequential would be 1; the curl multi loop keeps many transfers in flight
                // but never more connections to one host than configured.
                #expect(seen >= 20, "max concurrent requests seen by the server: \(seen)")
                #expect(seen <= 50, "max concurrent requests seen by the server: \(seen)")
            }
        }
    }
}
