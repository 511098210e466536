import Digest
import Foundation

extension Migrator {
    /// Loads `NNNN_name.sql` files from a directory, ordered by version; rejects duplicate
    /// versions or bad names with a clear error. Files not ending in `.sql` are ignored.
    public static func load(directory: String) throws -> [MigrationFile] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw MigrationError("cannot read migrations directory \(directory): \(error.localizedDescription)")
        }
        var migrations: [MigrationFile] = []
        for fileName in names.sorted() where fileName.hasSuffix(".sql") {
            guard let (version, name) = parse(fileName: fileName) else {
                throw MigrationError(
                    "bad migration file name \(fileName) in \(directory): expected NNNN_name.sql (digits, underscore, letters/digits/_/-)")
            }
            let path = (directory as NSString).appendingPathComponent(fileName)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw MigrationError("cannot read migration file \(path)")
            }
            guard let sql = String(data: data, encoding: .utf8) else {
                throw MigrationError("migration file \(path) is not valid UTF-8")
            }
            if let clash = migrations.first(where: { $0.version == version }) {
                throw MigrationError(
                    "duplicate migration version \(version) in \(directory): \(fileName) and \(Self.fileName(of: clash))")
            }
            migrations.append(MigrationFile(version: version, name: name, sql: sql, checksum: SHA256.hex(data)))
        }
        return migrations.sorted { $0.version < $1.version }
    }

    /// `0001_create_results.sql` → (1, "create_results").
    static func parse(fileName: String) -> (version: Int, name: String)? {
        let stem = fileName.dropLast(".sql".count)
        guard let underscore = stem.firstIndex(of: "_") else { return nil }
        let digits = stem[..<underscore]
        let name = stem[stem.index(after: underscore)...]
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let version = Int(digits),
            !name.isEmpty,
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
        else { return nil }
        return (version, String(name))
    }

    static func fileName(of migration: MigrationFile) -> String {
        let digits = String(migration.version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_" + migration.name + ".sql"
    }
}
