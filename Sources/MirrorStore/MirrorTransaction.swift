import Foundation
import GRDB
import IntercomAPI

/// The sync's writes inside one transaction: upserts with their child lists, deletions, and the checkpoint.
public struct MirrorTransaction {
    /// The transaction's connection, on either engine.
    package let sql: any SQLRunner
    /// Where values of an unexpected JSON type are counted; nil outside the sync's writes.
    public var drift: DriftTally?

    package init(sql: any SQLRunner, drift: DriftTally? = nil) {
        self.sql = sql
        self.drift = drift
    }

    package init(db: Database, drift: DriftTally? = nil) { self.init(sql: SQLiteRunner(db: db), drift: drift) }

    /// The SQLite connection, for tests and SQLite-only paths; a PostgreSQL mirror has none.
    package var db: Database {
        guard let db = sql.sqlite else { preconditionFailure("a SQLite-only path ran on \(sql.dialect.name)") }
        return db
    }

    /// `item`'s column values for `table` (see `Normalizer.row`), counting drift in this transaction's tally.
    func normalized(_ table: TableSpec, item: JSON, owner: String? = nil) -> [DatabaseValue] {
        Normalizer.row(table, item: item, owner: owner, drift: drift)
    }

    /// Writes one item of `table` and replaces its child lists. `fullLists` holds, per child table, the complete
    /// list fetched from a sub-resource when the embedded one was cut at 10 (`has_more`).
    /// `sweep` stamps the row as seen by that full-sweep generation.
    /// Child tables named in `keep` are left as they are (an embedded list cut at 10 that we chose not to re-fetch).
    public func upsert(_ table: TableSpec, item: JSON, owner: String? = nil, sweep: Int,
                       fullLists: [String: [JSON]] = [:], keep: Set<String> = []) throws {
        let values = Normalizer.row(table, item: item, owner: owner, drift: drift)
        // A key that drifted to null (a social profile without its url) cannot be stored or found again: that one row is
        // left out and counted as drift, and the item it belongs to is still written.
        if let missing = Self.keyOffsets[table.name]?.first(where: { values[$0].isNull }) {
            drift?.record(table: table.name, column: table.columns[missing].name, seen: "null key")
            return
        }
        try sql.execute(insertSQL(table), table.keepsRaw ? values + [sweep.databaseValue] : values)
        guard !table.children.isEmpty else { return }
        let id = Normalizer.value(table.columns[0], item: item, owner: owner)
        guard let ownerID = String.fromDatabaseValue(id) else { return }
        for child in table.children where !keep.contains(child.table) {
            let spec = Catalog.table(child.table)
            if child.replaces {
                try sql.run("DELETE FROM \(Schema.quoted(spec.name)) WHERE \(Schema.quoted(child.ownerColumn)) = ?", ownerID)
            }
            let elements = fullLists[child.table] ?? Normalizer.lookup(item, child.arrayPath)?.arrayValue
                ?? child.alternatePath.flatMap { Normalizer.lookup(item, $0)?.arrayValue } ?? []
            for element in elements {
                try upsert(spec, item: element, owner: ownerID, sweep: sweep)
            }
        }
    }

    /// Replaces the rows of `table` where `column = value` with Intercom's `items`, normalized as the catalog says.
    public func replaceRows(_ table: TableSpec, where column: String, equals value: String, items: [JSON]) throws {
        try replaceRows(table, where: column, equals: value, rows: items.map { normalized(table, item: $0) })
    }

    /// Replaces the rows of `table` where `column = value` with rows of text values (a link table's ids), in catalog
    /// column order.
    public func replaceRows(_ table: TableSpec, where column: String, equals value: String, values: [[String?]]) throws {
        try replaceRows(table, where: column, equals: value, rows: values.map { $0.map(\.databaseValue) })
    }

    /// Replaces the rows of `table` where `column = value` with `rows` (full column values in catalog order).
    func replaceRows(_ table: TableSpec, where column: String, equals value: String, rows: [[DatabaseValue]]) throws {
        try sql.run("DELETE FROM \(Schema.quoted(table.name)) WHERE \(Schema.quoted(column)) = ?", value)
        let insert = insertSQL(table)
        for row in rows { try sql.execute(insert, table.keepsRaw ? row + [0.databaseValue] : row) }
    }

    /// Removes a record and everything hanging off it, and records why in `deletions`.
    /// A merged contact's links move to the surviving id instead of vanishing.
    public func delete(_ table: TableSpec, id: String, reason: String, mergedInto: String? = nil, at now: Int) throws {
        if let survivor = mergedInto, table.name == TableSpec.contacts.name {
            for (link, column) in Catalog.contactReferences {
                let move = sql.dialect.moveLinks(link, column: column, key: Catalog.table(link).primaryKey, from: id, to: survivor)
                try sql.rows(move)
            }
        }
        try deleteDescendants(of: table, ownerIDs: "SELECT ?", arguments: [id.databaseValue])
        for (dependent, column) in Catalog.dependents[table.name] ?? [] {
            try sql.run("DELETE FROM \(Schema.quoted(dependent)) WHERE \(Schema.quoted(column)) = ?", id)
        }
        try sql.run("DELETE FROM \(Schema.quoted(table.name)) WHERE id = ?", id)
        try sql.run(sql.dialect.upsert("deletions", columns: ["resource", "id", "reason", "merged_into", "detected_at"], key: ["resource", "id"]),
                    table.name, id, reason, mergedInto, now)
    }

    private func deleteDescendants(of table: TableSpec, ownerIDs: String, arguments: [DatabaseValue]) throws {
        for child in table.children {
            let spec = Catalog.table(child.table)
            let owned = "SELECT \(Schema.quoted(spec.primaryKey[0])) FROM \(Schema.quoted(spec.name)) WHERE \(Schema.quoted(child.ownerColumn)) IN (\(ownerIDs))"
            if !spec.children.isEmpty { try deleteDescendants(of: spec, ownerIDs: owned, arguments: arguments) }
            try sql.execute("DELETE FROM \(Schema.quoted(spec.name)) WHERE \(Schema.quoted(child.ownerColumn)) IN (\(ownerIDs))", arguments)
        }
    }

    /// Ids of `table` that the sweep `generation` did not see: gone from Intercom.
    /// With `changedBefore`, rows changed at or after it are kept: a sweep that read a search index (which lags) cannot
    /// tell a recently changed row it was not shown from one that is gone.
    public func unswept(_ table: TableSpec, generation: Int, changedBefore: Int? = nil) throws -> [String] {
        var query = "SELECT id FROM \(Schema.quoted(table.name)) WHERE \(Schema.sweepColumn) < ?"
        var arguments = [generation.databaseValue]
        if let changedBefore {
            query += " AND (updated_at IS NULL OR updated_at < ?)"
            arguments.append(changedBefore.databaseValue)
        }
        return try sql.strings(query, arguments)
    }

    /// Deletes the rows of `table` that the completed sweep `generation` did not see (and, with `changedBefore`, that did
    /// not change since); returns how many.
    public func deleteUnswept(_ table: TableSpec, generation: Int, changedBefore: Int? = nil, reason: String, at now: Int) throws -> Int {
        let gone = try unswept(table, generation: generation, changedBefore: changedBefore)
        for id in gone { try delete(table, id: id, reason: reason, at: now) }
        return gone.count
    }

    /// Stored `updated_at` of the given ids of `table`.
    public func storedUpdatedAt(_ table: TableSpec, ids: [String]) throws -> [String: Int] {
        guard !ids.isEmpty else { return [:] }
        let placeholders = MirrorTransaction.placeholders(ids.count)
        let rows = try sql.rows("SELECT id, updated_at FROM \(Schema.quoted(table.name)) WHERE id IN (\(placeholders))",
                                ids.map(\.databaseValue), limit: .max)
        var result: [String: Int] = [:]
        for row in rows { if let id = row[0].string { result[id] = row[1].integer ?? 0 } }
        return result
    }

    /// The stored checkpoint of `resource`, or a fresh one.
    public func checkpoint(_ resource: String) throws -> Checkpoint {
        try Checkpoint.load(resource, sql) ?? Checkpoint(resource: resource)
    }

    /// Saves a checkpoint; call it in the same transaction as the rows it covers.
    public func save(_ checkpoint: Checkpoint) throws {
        var checkpoint = checkpoint
        checkpoint.updatedAt = Int(Date().timeIntervalSince1970)
        try checkpoint.store(sql)
    }

    /// Each catalog table's primary-key columns, as offsets into its column values.
    static let keyOffsets = Dictionary(uniqueKeysWithValues: Catalog.tables.map { table in
        (table.name, table.primaryKey.compactMap { key in table.columns.firstIndex { $0.name == key } })
    })

    /// The upsert of every stored column of `table` in this transaction's dialect.
    func insertSQL(_ table: TableSpec) -> String {
        let statements = sql.dialect.name == "postgres" ? Self.postgresInserts : Self.sqliteInserts
        return statements[table.name] ?? Self.makeInsertSQL(table, sql.dialect)
    }

    /// Each catalog table's upsert per engine, built once: building it per row cost about 5% of a full sync.
    static let sqliteInserts = Dictionary(uniqueKeysWithValues: Catalog.tables.map { ($0.name, makeInsertSQL($0, SQLiteDialect())) })
    static let postgresInserts = Dictionary(uniqueKeysWithValues: Catalog.tables.map { ($0.name, makeInsertSQL($0, PostgresDialect())) })

    static func makeInsertSQL(_ table: TableSpec, _ dialect: any SQLDialect) -> String {
        dialect.upsert(table.name, columns: Schema.storedColumnNames(table), key: table.primaryKey)
    }
}
