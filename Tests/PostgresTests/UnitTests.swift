import Foundation
import TestSupport
import Testing

@testable import Postgres

/// Pure-Swift parts that need no server: query building, text formats, URL handling.
@Suite(.offCooperativePool) struct QueryBuildingTests {
    @Test func interpolationsBecomeNumberedParameters() {
        let id = "r-1"
        let limit = 10
        let missing: String? = nil
        let query: PostgresQuery = "SELECT * FROM t WHERE id = \(id) AND n < \(limit) OR x IS \(missing)"
        #expect(query.sql == "SELECT * FROM t WHERE id = $1 AND n < $2 OR x IS $3")
        #expect(query.binds == [.text("r-1"), .int(10), .null])
    }

    @Test func literalWithoutInterpolationHasNoBinds() {
        let query: PostgresQuery = "SELECT 1"
        #expect(query.sql == "SELECT 1")
        #expect(query.binds.isEmpty)
    }

    @Test func unsafeSQLInterpolationIsPastedAsText() {
        let table = "results_2024"
        let query: PostgresQuery = "SELECT * FROM \(unsafeSQL: table) WHERE id = \(1)"
        #expect(query.sql == "SELECT * FROM results_2024 WHERE id = $1")
    }

    @Test func descriptionShowsTypesButNeverValues() {
        let secret = "s3cr3t-personal-data"
        let query: PostgresQuery = "SELECT \(secret), \(42)"
        #expect(!query.description.contains(secret))
        #expect(!query.description.contains("42"))
        #expect(query.description.contains("text"))
    }

    @Test func encodableConformances() {
        let date = Date(timeIntervalSince1970: 1)
        #expect("a".postgresValue == .text("a"))
        #expect(Int(1).postgresValue == .int(1))
        #expect(Int32(-2).postgresValue == .int(-2))
        #expect(Int64.max.postgresValue == .int(.max))
        #expect(1.5.postgresValue == .double(1.5))
        #expect(true.postgresValue == .bool(true))
        #expect(date.postgresValue == .timestamp(date))
        #expect(["a"].postgresValue == .textArray(["a"]))
        #expect(Optional<Int>.none.postgresValue == .null)
        #expect(Optional("x").postgresValue == .text("x"))
    }
}

@Suite(.offCooperativePool) struct TextFormatTests {
    @Test func arrayLiteralQuotesEveryElement() {
        #expect(ArrayLiteral.format([]) == "{}")
        #expect(ArrayLiteral.format(["a", "b,c", "d\"e", "f\\g", "NULL"]) == #"{"a","b,c","d\"e","f\\g","NULL"}"#)
    }

    @Test func arrayLiteralParsesServerOutput() {
        #expect(ArrayLiteral.parse("{}") == [])
        #expect(ArrayLiteral.parse(#"{a,"b,c","d\"e","f\\g","NULL",""}"#) == ["a", "b,c", "d\"e", "f\\g", "NULL", ""])
        #expect(ArrayLiteral.parse("[0:1]={x,y}") == ["x", "y"])
        #expect(ArrayLiteral.parse("{a,NULL}") == nil)  // a NULL element cannot be a String
        #expect(ArrayLiteral.parse("{{a},{b}}") == nil)
        #expect(ArrayLiteral.parse("nope") == nil)
    }

    @Test func timestampsFormatAsUTCWithMilliseconds() {
        #expect(TimestampText.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(TimestampText.format(Date(timeIntervalSince1970: 1_700_000_000.123)) == "2023-11-14T22:13:20.123Z")
        #expect(TimestampText.format(Date(timeIntervalSince1970: -0.001)) == "1969-12-31T23:59:59.999Z")
        #expect(TimestampText.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
    }

    /// The format is written byte by byte; whatever the element holds (quotes, backslashes,
    /// commas, braces, the word NULL, characters beyond ASCII), the server's parser reads the
    /// same elements back.
    @Test func arrayLiteralsReadBackAsWritten() {
        let pieces = ["a", "\"", "\\", ",", "{", "}", "NULL", " ", "é", "日本", "🙂", "\u{301}", "x y", ""]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let elements = (0..<Int.random(in: 0...5, using: &generator)).map { _ in
                (0..<Int.random(in: 0...6, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            }
            let text = ArrayLiteral.format(elements)
            #expect(ArrayLiteral.parse(text) == elements, "\(elements) -> \(text)")
        }
    }

    @Test func timestampsPadYearsAndMarkBC() {
        // 0999-01-01 and 0001-01-01 (PostgreSQL has no year 0: the one before year 1 is 1 BC).
        #expect(TimestampText.format(Date(timeIntervalSince1970: -30_641_760_000)) == "0999-01-01T00:00:00.000Z")
        #expect(TimestampText.format(Date(timeIntervalSince1970: -62_135_596_800)) == "0001-01-01T00:00:00.000Z")
        #expect(TimestampText.format(Date(timeIntervalSince1970: -62_135_596_800.001)) == "0001-12-31T23:59:59.999Z BC")
    }

    /// Formatted timestamps parse back to the same millisecond over years 1–9999.
    @Test func timestampsReadBackAsWritten() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let milliseconds = Int64.random(in: -62_135_596_800_000...253_402_300_799_999, using: &generator)
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let text = TimestampText.format(date)
            let back = try #require(TimestampText.parse(text), "\(text)")
            #expect(Int64((back.timeIntervalSince1970 * 1000).rounded()) == milliseconds, "\(text)")
        }
    }

    @Test func timestampsParseOffsetsAndDates() throws {
        let base = 1_700_000_000.0
        #expect(TimestampText.parse("2023-11-14 22:13:20+00")?.timeIntervalSince1970 == base)
        #expect(TimestampText.parse("2023-11-15 03:43:20+05:30")?.timeIntervalSince1970 == base)
        #expect(TimestampText.parse("2023-11-14 17:13:20-05")?.timeIntervalSince1970 == base)
        #expect(TimestampText.parse("2023-11-14T22:13:20Z")?.timeIntervalSince1970 == base)
        #expect(TimestampText.parse("2023-11-14 22:13:20")?.timeIntervalSince1970 == base)
        let fraction = try #require(TimestampText.parse("2023-11-14 22:13:20.123456+00"))
        #expect(abs(fraction.timeIntervalSince1970 - (base + 0.123456)) < 1e-6)
        #expect(TimestampText.parse("2023-11-14")?.timeIntervalSince1970 == 1_699_920_000)
        #expect(TimestampText.parse("infinity") == nil)
        #expect(TimestampText.parse("0044-03-15 00:00:00+00 BC") == nil)
        #expect(TimestampText.parse("2023-13-01") == nil)
    }
}

@Suite(.offCooperativePool) struct ConnectionURLTests {
    @Test func redactsPasswords() {
        #expect(ConnectionURL.redacted("postgresql://app:hunter2@db:5432/okayface") == "postgresql://app:***@db:5432/okayface")
        #expect(ConnectionURL.redacted("postgresql://app@db/okayface?password=hunter2&sslmode=require")
            == "postgresql://app@db/okayface?password=***&sslmode=require")
        #expect(ConnectionURL.redacted("host=db password=hunter2 dbname=x") == "host=db password=*** dbname=x")
        #expect(ConnectionURL.redacted("host=db password = 'hun ter2' dbname=x") == "host=db password=*** dbname=x")
        #expect(ConnectionURL.redacted("postgresql://app@db/okayface") == "postgresql://app@db/okayface")
    }

    @Test func testDatabaseURLRewriting() {
        #expect(TestDatabase.url("postgresql://u@h:1/okayface", database: "t_x") == "postgresql://u@h:1/t_x")
        #expect(TestDatabase.url("postgresql://u@h:1/okayface?sslmode=disable", database: "t_x")
            == "postgresql://u@h:1/t_x?sslmode=disable")
        #expect(TestDatabase.url("postgresql://u@h:1", database: "t_x") == "postgresql://u@h:1/t_x")
        #expect(TestDatabase.url("host=h port=1", database: "t_x") == "host=h port=1 dbname=t_x")
    }
}
