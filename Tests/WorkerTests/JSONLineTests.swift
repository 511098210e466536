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
}
