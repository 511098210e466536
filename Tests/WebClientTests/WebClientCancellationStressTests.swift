import WebClient
import TestSupport
import Testing

@Suite("WebClient cancellation under load", .offCooperativePool)
struct WebClientCancellationStressTests {
    /// Cancels half of many in-flight transfers at assorted moments: every task must end
    /// (no lost continuation) with either a response or `.cancelled`, and the client
    /// must keep working after handles were recycled mid-flight. Once on one multi handle,
    /// once over four (shards of 4 connections), where each cancellation must find its shard.
    @Test(arguments: [256, 4])
    func randomCancellationsNeverLoseOrMixUpTransfers(connectionsPerShard: Int) async throws {
        try await TestServer.with { base, _ in
            try await withClient(.init(maxConnectionsPerHost: 16, maxTotalConnections: 32, connectionsPerShard: connectionsPerShard)) { client in
                let outcomes = await withTaskGroup(of: (Int, WebClientError?).self) { group in
                    for index in 0..<300 {
                        let task = Task { await executeError(client, WebRequest(url: "\(base)/slow?ms=\(index % 7 * 10)")) }
                        group.addTask {
                            if index.isMultiple(of: 2) {
                                try? await Task.sleep(for: .milliseconds(index % 50))
                                task.cancel()
                            }
                            return (index, await task.value)
                        }
                    }
                    return await group.reduce(into: [(Int, WebClientError?)]()) { $0.append($1) }
                }
                #expect(outcomes.count == 300)
                for (index, error) in outcomes {
                    if index.isMultiple(of: 2) {
                        #expect(error == nil || error == .cancelled, "request \(index): \(String(describing: error))")
                    } else {
                        #expect(error == nil, "request \(index): \(String(describing: error))")
                    }
                }
                let after = try await client.execute(WebRequest(url: "\(base)/hello"))
                #expect(after.body == Array("hello".utf8))
            }
        }
    }
}
