import GRDB
import Logging
import PostgresNIO
import Synchronization

/// Keeps PostgreSQL's planner statistics up with a sync that fills the mirror's tables.
///
/// A first full sync grows every table from nothing, and autovacuum looks at a table once a minute at most: until then
/// the planner has no statistics and guesses that an owner lookup (`contact_id IN (...)`) matches a large share of the
/// rows, so it scans the whole table. Each batch then read every part, note and link written before it: the sync slowed
/// down quadratically (in a 20,000-contact sync, scans of `conversation_parts`, `contact_companies`, `notes` and
/// `search_documents` took about a quarter of the server's time). The writer counts the rows it sends per table and,
/// after a commit, analyzes each table that has doubled since it was last analyzed, so a table is analyzed some
/// log2(rows / 1,000) times in all and an incremental sync, which writes a small share of each table, almost never.
///
/// Only the columns the writer looks rows up by are analyzed (keys and owner columns): the row count and their
/// distinct values are what those plans need, and the text and JSON columns made an analysis of `conversation_parts`
/// cost 120 ms. Autovacuum analyzes every column later, for the read API's filters.
/// One per engine, shared by its writers: a table two writers fill is counted once.
final class PostgresTableGrowth: Sendable {
    /// Rows a table gets before its first analysis: below it a scan costs little whatever the plan.
    static let minimumRows = 1_000

    /// Per table, the columns the writer finds rows by: its key, and the owner column of a child table.
    static let lookupColumns: [String: [String]] = {
        var columns = Dictionary(uniqueKeysWithValues: Catalog.tables.map { ($0.name, $0.primaryKey) })
        for table in Catalog.tables {
            for child in table.children where !(columns[child.table]?.contains(child.ownerColumn) ?? true) {
                columns[child.table]?.append(child.ownerColumn)
            }
        }
        columns["search_documents"] = ["kind", "ref"]
        return columns
    }()

    /// Rows sent per table since its last analysis, and the rows each table had then (PostgreSQL's `reltuples`; 0 for
    /// one never analyzed), read once, at the first refresh.
    private let state = Mutex<(written: [String: Int], analyzed: [String: Double]?)>(([:], nil))

    /// Counts `rows` sent to `table`.
    func wrote(_ rows: Int, to table: String) { state.withLock { $0.written[table, default: 0] += rows } }

    /// Analyzes the tables that are due, outside any transaction. Writers refreshing at once analyze different tables.
    /// A failure is logged and left: the statistics are an optimization, and the write they follow has committed.
    func refresh(_ sql: PostgresRunner, schema: String, logger: Logger) {
        do {
            if state.withLock({ $0.analyzed == nil }) {
                var analyzed: [String: Double] = [:]
                let rows = try sql.rows("""
                    SELECT c.relname, c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = ? AND c.relkind = 'r'
                    """, [schema.databaseValue], limit: .max)
                for row in rows {
                    guard case let .double(tuples) = row[1] else { continue }
                    analyzed[row[0].string ?? ""] = max(0, tuples)
                }
                state.withLock { if $0.analyzed == nil { $0.analyzed = analyzed } }
            }
            // Taken as due under the lock, so another writer's refresh does not analyze them too.
            let due = state.withLock { state -> [String] in
                var due: [String] = []
                for (table, rows) in state.written where rows >= max(Self.minimumRows, Int(state.analyzed?[table] ?? 0)) {
                    state.analyzed?[table, default: 0] += Double(rows)
                    state.written[table] = nil
                    due.append(table)
                }
                return due
            }
            for table in due {
                let columns = Self.lookupColumns[table] ?? []
                let list = columns.isEmpty ? "" : " (" + columns.map(Schema.quoted).joined(separator: ", ") + ")"
                try sql.execute("ANALYZE \(Schema.quoted(table))\(list)", [])
            }
        } catch {
            guard !sql.connection.isClosed else { return }  // closed with the engine: nothing to keep up
            logger.warning("could not analyze the mirror's tables", metadata: ["error": "\(PostgresStoreError(error))"])
        }
    }
}
