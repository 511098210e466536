import Foundation
import Testing
@testable import Postgres

/// The C string arrays handed to libpq: every string back exactly, NULL where nil, and the
/// terminating NULL the keyword lists need.
struct CStringArrayTests {
    @Test func everyStringComesBackWithNilAsNull() {
        let bridged = NSString(string: "bridgé \u{1F600}") as String
        let strings: [String?] = ["", "plain", nil, "ünïcödé", bridged, String(repeating: "x", count: 10_000), nil]
        let read: [String?] = withOptionalCStringArray(strings) { pointers in
            (0...strings.count).map { index in pointers[index].map { String(cString: $0) } }
        }
        #expect(Array(read.prefix(strings.count)) == strings)
        #expect(read.last == .some(nil))
    }

    @Test func anEmptyListIsJustTheTerminator() {
        let isNull = withCStringArray([]) { $0[0] == nil }
        #expect(isNull)
    }
}
