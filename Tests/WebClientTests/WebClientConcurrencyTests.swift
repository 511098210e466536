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

@Suite("WebClient over several multi handles", .offCooperativePool)
struct WebClientShardTests {
    /// 40 connections in shards of 10: four multi handles. More than one shard's 10 run at
    /// once, never more than the pool's 40, and every request gets its own answer.
    @Test func requestsSpreadOverTheShardsWithinThePoolsLimit() async throws {
        try await TestServer.with { base, observations in
            try await withClient(.init(maxConnectionsPerHost: 40, maxTotalConnections: 80, connectionsPerShard: 10)) { client in
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<200 {
                        group.addTask { try await client.execute(WebRequest(url: "\(base)/slow?ms=100")).status }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses.count == 200 && statuses.allSatisfy { $0 == 200 })
                let seen = observations.snapshot.maxInFlight
                #expect(seen > 10, "max concurrent requests seen by the server: \(seen)")
                #expect(seen <= 40, "max concurrent requests seen by the server: \(seen)")

                let echoed = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
                    for index in 0..<100 {
                        group.addTask {
                            let request = WebRequest(method: "POST", url: "\(base)/echo", body: .bytes(Array("request \(index)".utf8)))
                            return (index, try await client.execute(request).body)
                        }
                    }
                    return try await group.reduce(into: [Int: [UInt8]]()) { $0[$1.0] = $1.1 }
                }
                #expect(echoed.count == 100)
                #expect(echoed.allSatisfy { $0.value == Array("request \($0.key)".utf8) })
            }
        }
    }

    /// Shutdown ends the transfers of every shard (cancellations: WebClientCancellationStressTests).
    @Test func shutdownReachesEveryShard() async throws {
        try await TestServer.with { base, observations in
            try await withClient(.init(maxConnectionsPerHost: 32, maxTotalConnections: 64, connectionsPerShard: 8)) { client in
                // Twelve hanging transfers over the four handles; shutdown ends each.
                let hanging = (0..<12).map { _ in Task { await executeError(client, WebRequest(url: "\(base)/hang?ms=10000")) } }
                #expect(await eventually { observations.snapshot.hangsStarted == 12 })
                client.shutdown()
                for task in hanging {
                    #expect(await task.value == .shutDown)
                }
            }
        }
    }
}
