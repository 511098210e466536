import Digest

/// One migration: `NNNN_name.sql`, its SQL and the SHA-256 of its bytes.
public struct MigrationFile: Sendable {
    public var version: Int
    public var name: String
    public var sql: String
    /// Lower-case hex SHA-256 of the file's bytes; an applied migration must keep it.
    public var checksum: String

    public init(version: Int, name: String, sql: String, checksum: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = checksum
    }

    /// A migration from SQL text; the checksum is that of its UTF-8 bytes.
    public init(version: Int, name: String, sql: String) {
        self.init(version: version, name: name, sql: sql, checksum: SHA256.hex(Array(sql.utf8)))
    }
}
