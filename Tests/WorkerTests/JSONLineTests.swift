import Foundation
import Logging
import TestSupport
import Testing

@testable import Worker

/// The log line writer must produce JSON any parser reads back exactly.
@Suite(.offCooperativePool)
struct JSONLineTests {
    @Test func escapesWhatJSONRequiresAndKeepsTheRest() throws {
        let tricky = "quote \" backslash \\ newline \n tab \t bell \u{07} nul \u{00} unicode é 😀 slash /"
        var line = JSONLine()
        line.field("msg", .string(tricky))
        line.field("list", .array([.string("a"), .string("b,\"c\"")]))
        line.field("nested", .object([("k", .string("v")), ("z", .array([]))]))
        let bytes = line.finish()
        #expect(bytes.last == 0x0A)
        #expect(!bytes.dropLast().contains(0x0A), "one physical line")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["msg"] as? String == tricky)
        #expect(object["list"] as? [String] == ["a", "b,\"c\""])
        let nested = try #require(object["nested"] as? [String: Any])
        #expect(nested["k"] as? String == "v")
        #expect((nested["z"] as? [Any])?.isEmpty == true)
    }

    @Test func metadataKeysAreSortedByTheirBytes() {
        let keys = ["b", "a", "B", "msg", "ts"].sorted(by: JSONLogHandler.byteOrder)
        #expect(keys == ["B", "a", "b", "msg", "ts"])
        let value = JSONLogHandler.plain(.dictionary(["z": "1", "a": .array(["x"])]))
        guard case .object(let fields) = value else {
            Issue.record("a dictionary must become an object")
            return
        }
        #expect(fields.map(\.0) == ["a", "z"])
    }

    /// Handler metadata, then the provider's, then the event's own: a later source's value
    /// wins, each key is written once, and metadata never overwrites the four fixed fields.
    @Test func laterMetadataWinsAndEachKeyIsWrittenOnce() throws {
        var pipeEnds: [Int32] = [0, 0]
        #expect(pipe(&pipeEnds) == 0)
        defer { close(pipeEnds[0]) }
        var handler = JSONLogHandler(label: "test", level: .info, output: LogOutput(fd: pipeEnds[1]))
        handler.metadataProvider = Logger.MetadataProvider { ["provided": "p", "shared": "from provider"] }
        handler[metadataKey: "shared"] = "from handler"
        handler[metadataKey: "requestId"] = "r-1"
        handler[metadataKey: "msg"] = "not the message"
        handler.log(event: LogEvent(
            level: .info, message: "decided", metadata: ["shared": "from event", "decision": "approved"],
            source: "test", file: #fileID, function: #function, line: #line))
        close(pipeEnds[1])
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(pipeEnds[0], $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += buffer[0..<count]
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["shared"] as? String == "from event")
        #expect(object["provided"] as? String == "p")
        #expect(object["requestId"] as? String == "r-1")
        #expect(object["decision"] as? String == "approved")
        #expect(object["msg"] as? String == "decided")
        #expect(text.components(separatedBy: "\"shared\"").count == 2, "\(text)")
        #expect(text.components(separatedBy: "\"msg\"").count == 2, "\(text)")
        // Keys after the four fixed fields, in byte order.
        let keys = object.keys.filter { !["ts", "level", "logger", "msg"].contains($0) }
        let positions = keys.sorted(by: JSONLogHandler.byteOrder).map { text.range(of: "\"\($0)\"")!.lowerBound }
        #expect(positions == positions.sorted())
    }
}

