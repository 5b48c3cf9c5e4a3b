import GRDB
import Synchronization

/// Holds back the writer's row upserts and owner deletes and sends them many rows to a statement.
///
/// A full sync writes some 700,000 one-row statements; over PostgreSQL's protocol each is a round trip through the
/// event loop and the server, and those hand-offs, not the server's work, took most of a sync's time. The combiner
/// keeps, per table, the owner deletes and the rows to upsert, and sends them as `DELETE ... WHERE c IN (...)` and
/// multi-row `INSERT ... VALUES (...), (...) ON CONFLICT ...` when anything else is about to run (any other statement,
/// any read, COMMIT), so every statement sees the writes made before it, as if each had been sent on its own:
/// - a table's deletes go before its inserts, and a delete drops the held rows it matches, which sent one at a time
///   would have been inserted before it and deleted by it;
/// - rows with the same key collapse into the last (ON CONFLICT DO UPDATE: the last write wins; a statement may not
///   update one row twice) or the first (DO NOTHING: later ones would have changed nothing);
/// - tables are independent: no statement the combiner holds reads another table (their triggers only queue
///   `search_pending` rows, which nothing reads before the next flush).
final class PostgresWriteCombiner {
    /// A catalog upsert whose rows can be combined.
    struct Insert: Sendable {
        let table: String
        let head: String
        let tail: String
        let width: Int
        /// Offsets of the primary-key columns in a row; empty: rows never collapse.
        let key: [Int]
        /// ON CONFLICT DO UPDATE (the last row of a key wins) rather than DO NOTHING (the first).
        let updates: Bool
        /// Offsets of the columns by name, for deletes that match held rows.
        let offsets: [String: Int]
    }

    /// A `DELETE FROM t WHERE c = ?` of the store's.
    struct Delete: Sendable {
        let table: String
        let column: String
    }

    /// The statements that may be held, by their exact text.
    static let inserts: [String: Insert] = {
        var inserts: [String: Insert] = [:]
        for table in Catalog.tables {
            let columns = Schema.storedColumnNames(table)
            let parts = PostgresDialect().upsertParts(table.name, columns: columns, key: table.primaryKey)
            inserts[MirrorTransaction.makeInsertSQL(table, PostgresDialect())] = Insert(
                table: table.name, head: parts.head, tail: parts.tail, width: columns.count,
                key: table.primaryKey.compactMap { columns.firstIndex(of: $0) }, updates: parts.updates,
                offsets: Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1, $0) }))
        }
        let search = ["kind", "ref", "conversation_id", "contact_id", "body"]
        inserts[PostgresSchema.searchInsert] = Insert(table: "search_documents", head: "INSERT INTO search_documents (\(search.joined(separator: ", "))) VALUES ",
                                                      tail: "", width: search.count, key: [], updates: false,
                                                      offsets: Dictionary(uniqueKeysWithValues: search.enumerated().map { ($1, $0) }))
        return inserts
    }()

    static let deletes: [String: Delete] = {
        var deletes: [String: Delete] = [:]
        for table in Catalog.tables {
            for column in table.columnNames {
                deletes[deleteSQL(table.name, column)] = Delete(table: table.name, column: column)
            }
        }
        return deletes
    }()

    /// The one-row delete the store sends, as the key of `deletes`.
    static func deleteSQL(_ table: String, _ column: String) -> String {
        "DELETE FROM \(Schema.quoted(table)) WHERE \(Schema.quoted(column)) = ?"
    }

    /// What one table has waiting.
    private final class Held {
        let table: String
        var insert: Insert?
        var rows: [[DatabaseValue]?] = []
        var rowOfKey: [[DatabaseValue]: Int] = [:]
        /// Held rows by the value of a column that deletes name (child lists are replaced by owner): a delete finds
        /// its rows without scanning them all. Built at a column's first delete, kept up by every insert after.
        var rowsOf: [Int: [DatabaseValue: [Int]]] = [:]
        /// Owner values to delete, per column, in first-seen order.
        var deletes: [(column: String, values: [DatabaseValue], seen: Set<DatabaseValue>)] = []

        init(table: String) { self.table = table }
    }

    private var held: [String: Held] = [:]
    private var order: [String] = []
    /// Rows and delete values held in all.
    private(set) var count = 0

    /// Rows held at most before they go out anyway: bounds memory and keeps the server busy during long batches.
    static let limit = 4_096

    var isEmpty: Bool { count == 0 }

    private func table(_ name: String) -> Held {
        if let known = held[name] { return known }
        let new = Held(table: name)
        held[name] = new
        order.append(name)
        return new
    }

    /// Holds one row of `insert`.
    func insert(_ insert: Insert, _ values: [DatabaseValue]) {
        let held = table(insert.table)
        if held.insert == nil { held.insert = insert }
        if !insert.key.isEmpty {
            let key = insert.key.map { values[$0] }
            if let row = held.rowOfKey[key] {
                if insert.updates {
                    held.rows[row] = values
                    for offset in held.rowsOf.keys { held.rowsOf[offset]![values[offset], default: []].append(row) }
                }
                return
            }
            held.rowOfKey[key] = held.rows.count
        }
        for offset in held.rowsOf.keys { held.rowsOf[offset]![values[offset], default: []].append(held.rows.count) }
        held.rows.append(values)
        count += 1
    }

    /// Holds one delete of `delete`, dropping the held rows it matches.
    func delete(_ delete: Delete, _ value: DatabaseValue) {
        let held = table(delete.table)
        if let insert = held.insert, let offset = insert.offsets[delete.column] {
            if held.rowsOf[offset] == nil {
                var rows: [DatabaseValue: [Int]] = [:]
                for (row, values) in held.rows.enumerated() { if let values { rows[values[offset], default: []].append(row) } }
                held.rowsOf[offset] = rows
            }
            // A row replaced in place by a later one of its key may have another value here: check each.
            for row in held.rowsOf[offset]!.removeValue(forKey: value) ?? [] {
                guard let values = held.rows[row], values[offset] == value else { continue }
                if !insert.key.isEmpty { held.rowOfKey[insert.key.map { values[$0] }] = nil }
                held.rows[row] = nil
            }
        }
        if let index = held.deletes.firstIndex(where: { $0.column == delete.column }) {
            guard !held.deletes[index].seen.contains(value) else { return }
            held.deletes[index].values.append(value)
            held.deletes[index].seen.insert(value)
        } else {
            held.deletes.append((delete.column, [value], [value]))
        }
        count += 1
    }

    /// Everything held, as statements in the order they must run, and the combiner empty again; `growth` counts the
    /// rows sent per table.
    func take(counting growth: PostgresTableGrowth? = nil) -> [(sql: String, values: [DatabaseValue])] {
        guard count > 0 else { return [] }
        let statements = order.compactMap { held[$0] }.flatMap { Self.statements($0, counting: growth) }
        held = [:]
        order = []
        count = 0
        return statements
    }

    /// One table's deletes, then its rows.
    private static func statements(_ held: Held, counting growth: PostgresTableGrowth?) -> [(sql: String, values: [DatabaseValue])] {
        var statements: [(sql: String, values: [DatabaseValue])] = []
        for delete in held.deletes {
            for chunk in chunks(delete.values.count, width: 1) {
                let values = Array(delete.values[chunk])
                let list = MirrorTransaction.placeholders(values.count)
                statements.append(("DELETE FROM \(Schema.quoted(held.table)) WHERE \(Schema.quoted(delete.column)) IN (\(list))", values))
            }
        }
        if let insert = held.insert {
            let rows = held.rows.compactMap { $0 }
            growth?.wrote(rows.count, to: held.table)
            for chunk in chunks(rows.count, width: insert.width) {
                statements.append((insertSQL(insert, rows: chunk.count), rows[chunk].flatMap { $0 }))
            }
        }
        return statements
    }

    /// The most rows one statement takes: 256, fewer for wide rows (PostgreSQL binds at most 65,535 values).
    static func largestRun(width: Int) -> Int {
        var largest = 256
        while largest > 1, largest * width > 65_535 { largest /= 2 }
        return largest
    }

    /// `n` rows cut into runs of 256, 128, ... 1 (fewer for wide rows: PostgreSQL binds at most 65,535 values), so each
    /// table has a few statement shapes to prepare, not one per count.
    static func chunks(_ n: Int, width: Int) -> [Range<Int>] {
        let largest = largestRun(width: width)
        var ranges: [Range<Int>] = []
        var start = 0
        while start < n {
            var size = largest
            while size > n - start { size /= 2 }
            ranges.append(start..<start + size)
            start += size
        }
        return ranges
    }

    /// The multi-row statement of `insert` for `rows` rows, built once per shape.
    static func insertSQL(_ insert: Insert, rows: Int) -> String {
        let name = "\(insert.table)#\(rows)"
        if let known = shapes.withLock({ $0[name] }) { return known }
        let row = "(" + MirrorTransaction.placeholders(insert.width) + ")"
        let sql = insert.head + Array(repeating: row, count: rows).joined(separator: ",") + insert.tail
        shapes.withLock { $0[name] = sql }
        return sql
    }

    private static let shapes = Mutex<[String: String]>([:])
}
