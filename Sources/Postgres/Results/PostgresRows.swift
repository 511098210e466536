/// The complete result of one statement, copied out of libpq so it outlives the connection.
public struct PostgresRows: Sendable, RandomAccessCollection {
    public var columns: [String]
    /// Rows inserted, updated, deleted, … as libpq's `PQcmdTuples` reports; 0 when not applicable.
    public var affectedRows: Int
    let rows: [PostgresRow]

    init(columns: [String], rows: [PostgresRow], affectedRows: Int) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
    }

    public var count: Int { rows.count }
    public var startIndex: Int { 0 }
    public var endIndex: Int { rows.count }
    public subscript(position: Int) -> PostgresRow { rows[position] }
}
