import Foundation
import TestSupport
import Testing

@testable import Postgres

/// Every kind of bind parameter goes to a real server and comes back unchanged.
@Suite(.offCooperativePool) struct BindParameterTests {
    @Test func textRoundTrips() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            let samples = ["", "plain", "NULL", "null", "it's \"quoted\"", "back\\slash", "line\nbreak\ttab",
                           "ünïcødé – 漢字 – 🎉", "{curly,braces}", "$1", String(repeating: "x", count: 100_000)]
            for sample in samples {
                let row = try #require(try connection.query("SELECT \(sample) AS v, pg_typeof(\(sample))::text AS t").first)
                #expect(row.string("v") == sample)
                #expect(row["t"] == "text")
            }
        }
    }

    /// PostgreSQL text cannot hold NUL: refused before it is sent, wherever it sits, also in a
    /// string whose bytes are not contiguous (bridged from NSString).
    @Test func textWithNULIsRefusedNamingTheParameter() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            let bridged = NSString(string: "bridged\u{0}text") as String
            for sample in ["\u{0}", "end\u{0}", String(repeating: "x", count: 5000) + "\u{0}y", bridged] {
                let error = #expect(throws: PostgresError.self) {
                    try connection.query("SELECT \(1) AS a, \(sample) AS v")
                }
                #expect(error?.message.contains("parameter $2 contains a NUL character") == true)
            }
            #expect(try connection.query("SELECT \("no nul here") AS v").first?.string("v") == "no nul here")
        }
    }

    @Test func integersRoundTrip() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            for value in [Int64.min, -1, 0, 1, Int64(Int32.max) + 1, Int64.max] {
                let row = try #require(try connection.query("SELECT \(value) AS v, pg_typeof(\(value))::text AS t").first)
                #expect(row.int("v") == Int(value))
                #expect(row["t"] == "bigint")
            }
            let row = try #require(try connection.query("SELECT \(Int32(7)) + 1 AS v").first)
            #expect(row.int("v") == 8)
        }
    }

    @Test func doublesRoundTripExactly() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            for value in [0.1, -0.0, 1.0 / 3.0, -1.5e300, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude, .infinity, -.infinity] {
                let row = try #require(try connection.query("SELECT \(value) AS v, pg_typeof(\(value))::text AS t").first)
                #expect(row.double("v")?.bitPattern == value.bitPattern, "\(value)")
                #expect(row["t"] == "double precision")
            }
            let nan = try #require(try connection.query("SELECT \(Double.nan) AS v").first)
            #expect(nan.double("v")?.isNaN == true)
        }
    }

    @Test func boolsRoundTrip() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            let row = try #require(try connection.query("SELECT \(true) AS t, \(false) AS f, NOT \(true) AS n").first)
            #expect(row.bool("t") == true)
            #expect(row.bool("f") == false)
            #expect(row.bool("n") == false)
        }
    }

    @Test func timestampsRoundTripWithMilliseconds() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            let dates = [1_700_000_000.123, 0, -1_234.567, 4_102_444_800.999, 1_709_164_800.5].map(Date.init(timeIntervalSince1970:))
            for date in dates {
                let row = try #require(
                    try connection.query(
                        "SELECT \(date) AS v, pg_typeof(\(date))::text AS t, extract(epoch FROM \(date))::float8 AS epoch"
                    ).first)
                #expect(row["t"] == "timestamp with time zone")
                let epoch = try #require(row.double("epoch"))
                #expect(abs(epoch - date.timeIntervalSince1970) < 0.0005, "server reads the instant as sent")
                let back = try #require(row.date("v"))
                #expect(abs(back.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.0005)
            }
        }
    }

    @Test func timestampsParseInAnySessionTimeZone() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            let date = Date(timeIntervalSince1970: 1_700_000_000.25)
            for zone in ["Asia/Kolkata", "America/St_Johns", "UTC"] {
                try connection.execute("SET TimeZone TO '\(zone)'")
                let row = try #require(try connection.query("SELECT \(date) AS v, now() AS n").first)
                #expect(row.date("v") == date, "\(zone): \(row["v"] ?? "nil")")
                #expect(row.date("n") != nil)
            }
        }
    }

    @Test func textArraysRoundTrip() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            let samples: [[String]] = [
                [],
                ["plain"],
                ["with,comma", "with \"quotes\"", "back\\slash", "trailing\\", "NULL", "null", "", " spaced ",
                 "{braces}", "ünïcødé 🎉", "new\nline", "'single'"],
            ]
            for sample in samples {
                let row = try #require(
                    try connection.query(
                        "SELECT \(sample) AS v, pg_typeof(\(sample))::text AS t, cardinality(\(sample)) AS n, array_position(\(sample), NULL) AS nullpos"
                    ).first)
                #expect(row.textArray("v") == sample)
                #expect(row["t"] == "text[]")
                #expect(row.int("n") == sample.count)
                #expect(row["nullpos"] == nil, "no element became NULL")
            }
            let element = try #require(try connection.query("SELECT (\(["a", "NULL"]))[2] AS e").first)
            #expect(element["e"] == "NULL")
        }
    }

    @Test func jsonbIsSentAsJSONB() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            let json = PostgresValue.jsonb(#"{"face": 75, "names": ["a", "b\"c"], "none": null, "ü": true}"#)
            let row = try #require(
                try connection.query(
                    """
                    SELECT pg_typeof(\(json))::text AS t, (\(json))->'names'->>1 AS name,
                           \(json) = '{"none": null, "ü": true, "face": 75, "names": ["a", "b\\"c"]}'::jsonb AS same
                    """
                ).first)
            #expect(row["t"] == "jsonb")
            #expect(row["name"] == "b\"c")
            #expect(row.bool("same") == true)
        }
    }

    @Test func nullsAndOptionals() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            let none: String? = nil
            let some: Int? = 5
            let row = try #require(
                try connection.query("SELECT \(PostgresValue.null)::text AS a, \(none)::text AS b, \(some) AS c").first)
            #expect(row["a"] == nil)
            #expect(row["b"] == nil)
            #expect(row.int("c") == 5)
            #expect(row.int("missing_column") == nil)
        }
    }

    /// The realistic path: every kind into columns of its type and back, with affectedRows.
    @Test func everyKindIntoATable() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            try connection.execute(
                """
                CREATE TABLE kinds (id text PRIMARY KEY, n int, big bigint, x double precision, ok boolean,
                                    at timestamptz, tags text[], doc jsonb, maybe text)
                """)
            let at = Date(timeIntervalSince1970: 1_700_000_000.123)
            let inserted = try connection.query(
                """
                INSERT INTO kinds VALUES (\("r-1"), \(Int32(75)), \(Int64.max), \(0.5), \(true), \(at),
                                          \(["a", "b,c"]), \(PostgresValue.jsonb(#"{"k":1}"#)), \(String?.none))
                """)
            #expect(inserted.affectedRows == 1)
            let rows = try connection.query("SELECT * FROM kinds WHERE id = \("r-1")")
            #expect(rows.count == 1)
            #expect(rows.columns == ["id", "n", "big", "x", "ok", "at", "tags", "doc", "maybe"])
            let row = try #require(rows.first)
            #expect(row.int("n") == 75)
            #expect(row.int("big") == Int(Int64.max))
            #expect(row.double("x") == 0.5)
            #expect(row.bool("ok") == true)
            #expect(row.date("at") == at)
            #expect(row.textArray("tags") == ["a", "b,c"])
            #expect(row["doc"] == #"{"k": 1}"#)
            #expect(row["maybe"] == nil)
            let updated = try connection.query("UPDATE kinds SET n = n + 1 WHERE n > \(0)")
            #expect(updated.affectedRows == 1)
        }
    }

    @Test func sqlInjectionInABindStaysData() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            try connection.execute("CREATE TABLE people (name text)")
            let attacks = ["Robert'); DROP TABLE people; --", "' OR '1'='1", "x'; SELECT pg_sleep(10); --", "$1"]
            for attack in attacks {
                try connection.query("INSERT INTO people (name) VALUES (\(attack))")
            }
            let rows = try connection.query("SELECT name FROM people ORDER BY name")
            #expect(Set(rows.compactMap { $0["name"] }) == Set(attacks))
            let matches = try connection.query("SELECT count(*) AS n FROM people WHERE name = \("' OR '1'='1' --x")")
            #expect(matches.first?.int("n") == 0)
        }
    }

    @Test func nulCharacterIsRejectedNotTruncated() async throws {
        try await TestDatabase.with { database in
            let connection = try database.connect()
            #expect(throws: PostgresError.self) {
                try connection.query("SELECT \("before\u{0}after") AS v")
            }
            #expect(connection.isHealthy)
        }
    }
}
