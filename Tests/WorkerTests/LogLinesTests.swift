import DevTools
import Foundation
import TestSupport
import Testing

/// The worker binary's logs: JSON lines by default, each line about a request carrying
/// requestId, journeyId (once known), partition and offset; `LOG_FORMAT=text` for people.
@Suite(.timeLimit(.minutes(2)), .offCooperativePool)
struct LogLinesTests {
    @Test func linesAboutARequestCarryItsCoordinatesAndTextIsForPeople() async throws {
        let stack = try await TestStack()
        let jsonLog = stack.scratch + "/json.log"
        // log-2 fails by itself: with no other call answered meanwhile it would wait out an
        // outage for WORKER_MAX_REQUEST_AGE_MS; one second makes it end vendor_unavailable.
        let worker = try CrashRecoveryTests.launch(stack, ["LOG_LEVEL": "debug", "WORKER_MAX_REQUEST_AGE_MS": "1000"], log: jsonLog)
        try await stack.publish(stack.request("log-1", subject: "customer-1"))
        try await stack.publish(stack.request("log-2", sdk: "sdk/always-500.json"))
        do { try await stack.waitForDecisions(2, timeout: .seconds(90)) } catch {
            TestStack.keepLogs(of: stack.scratch)
            throw error
        }
        worker.terminate()
        await worker.exited()

        let lines = try String(contentsOfFile: jsonLog, encoding: .utf8).split(separator: "\n")
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == lines.count, "every line is one JSON object")
        let aboutRequests = objects.filter { $0["requestId"] != nil }
        #expect(aboutRequests.count >= 4, "\(aboutRequests.count) lines about requests")
        for line in aboutRequests {
            #expect(line["partition"] != nil && line["offset"] != nil, "\(line)")
            #expect(line["ts"] != nil && line["level"] != nil && line["msg"] != nil)
        }
        let decided = aboutRequests.filter { $0["msg"] as? String == "decided" }
        #expect(decided.count == 2)
        #expect(decided.allSatisfy { ($0["journeyId"] as? String)?.isEmpty == false })
        #expect(aboutRequests.contains { $0["requestId"] as? String == "log-2" && ($0["msg"] as? String)?.contains("transient") == true })

        let textLog = stack.scratch + "/text.log"
        let textWorker = try CrashRecoveryTests.launch(stack, ["LOG_FORMAT": "text", "LOG_LEVEL": "info"], log: textLog)
        try await stack.publish(stack.request("log-3"))
        do { try await stack.waitForDecisions(3, timeout: .seconds(90)) } catch {
            TestStack.keepLogs(of: stack.scratch)
            throw error
        }
        textWorker.terminate()
        await textWorker.exited()
        let text = try String(contentsOfFile: textLog, encoding: .utf8)
        #expect(!text.hasPrefix("{"))
        #expect(text.contains("decided") && text.contains("requestId=log-3"), "\(text.prefix(2000))")
        await stack.close()
    }
}
