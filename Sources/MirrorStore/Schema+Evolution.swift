import GRDB
import IntercomAPI

/// Columns added to the catalog after a mirror was created. The migrator holds one migration named after the catalog's
/// columns (`catalog-columns-<fingerprint>`): when a column is added, the name changes, and the next open adds the
/// column and fills it from each row's `raw` in that migration's transaction, so an unchanged row does not keep NULL
/// until Intercom next changes it. Child and link tables keep no `raw`: their new columns fill as their owners are
/// next written. Computed columns are the sync's to fill.
extension Schema {
    /// A hash of every table's column names and types, in catalog order: stable across processes and builds.
    static func columnsFingerprint(_ tables: [TableSpec]) -> String {
        FNV1a.hex(tables.map { table in
            "\(table.name)(\(table.columns.map { "\($0.name) \($0.kind.sqlType)" }.joined(separator: ",")));"
        }.joined())
    }

    static func registerColumnMigration(_ migrator: inout DatabaseMigrator, tables: [TableSpec]) {
        migrator.registerMigration("catalog-columns-\(columnsFingerprint(tables))") { db in try evolveColumns(db, tables: tables) }
    }

    /// Adds each catalog column a table lacks and backfills it from `raw`.
    static func evolveColumns(_ db: Database, tables: [TableSpec]) throws {
        for table in tables where try db.tableExists(table.name) {
            let existing = Set(try db.columns(in: table.name).map(\.name))
            let missing = table.columns.enumerated().filter { !existing.contains($0.element.name) }
            guard !missing.isEmpty else { continue }
            for (_, column) in missing {
                try db.execute(sql: "ALTER TABLE \(quoted(table.name)) ADD COLUMN \(quoted(column.name)) \(column.kind.sqlType)")
            }
            let filled = missing.filter { if case .computed = $0.element.source { false } else { true } }
            guard table.keepsRaw, !filled.isEmpty else { continue }
            let assignments = filled.map { "\(quoted($0.element.name)) = ?" }.joined(separator: ", ")
            let update = try db.makeStatement(sql: "UPDATE \(quoted(table.name)) SET \(assignments) WHERE rowid = ?")
            let rows = try Row.fetchCursor(db, sql: "SELECT rowid, raw FROM \(quoted(table.name))")
            var updates: [(Int64, [DatabaseValue])] = []
            while let row = try rows.next() {
                guard let raw: String = row["raw"], let item = try? JSON.parse(Array(raw.utf8)) else { continue }
                let values = Normalizer.row(table, item: item, owner: nil)
                updates.append((row["rowid"], filled.map { values[$0.offset] }))
            }
            for (rowid, values) in updates { try update.execute(arguments: StatementArguments(values + [rowid.databaseValue])) }
        }
    }
}

extension TableSpec {
    /// This table with `column` appended: a catalog as a later version may have it (tests of column evolution).
    public func adding(_ column: ColumnSpec) -> TableSpec {
        TableSpec(name, key: primaryKey, raw: keepsRaw, children: children, indexes: indexes, columns: columns + [column])
    }
}
