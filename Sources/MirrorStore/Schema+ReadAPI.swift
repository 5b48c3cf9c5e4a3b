import Foundation
import GRDB

/// What the read API needs beyond the catalog tables: a write generation for ETags, and the full-text index.
extension Schema {
    /// One text source of `/search` as SQL: the catalog's `SearchSourceSpec` with its expressions over the row `R.`.
    struct SearchSource {
        let kind: String
        let table: String
        /// SQL over the row (`R.` is replaced by `NEW.` or the table alias) that gives the indexed text.
        let text: String
        let conversationID: String
        let contactID: String

        init(_ spec: SearchSourceSpec) {
            kind = spec.kind
            table = spec.table
            let parts = spec.text.map { column in
                let value = "R.\(Schema.quoted(column))"
                return "coalesce(\(spec.html.contains(column) ? "\(Schema.plainTextFunction)(\(value))" : value), '')"
            }
            text = parts.count == 1 ? parts[0] : "trim(\(parts.joined(separator: " || ' ' || ")))"
            conversationID = spec.conversationID.map { "R.\(Schema.quoted($0))" } ?? "NULL"
            contactID = spec.contactID.map { "R.\(Schema.quoted($0))" } ?? "NULL"
        }
    }

    /// The catalog's search sources as SQL.
    static let searchSources = Catalog.searchSources.map(SearchSource.init)

    /// Per source, a SELECT of `kind, ref, body` of the documents its rows should have in the index (for checks).
    public static var searchSourceSQL: [String] {
        searchSources.map { source in
            on("t", "SELECT '\(source.kind)' AS kind, t.id AS ref, \(source.text) AS body FROM \(quoted(source.table)) t WHERE \(source.text) <> ''")
        }
    }

    /// The kinds of documents in the search index.
    public static var searchKinds: [String] { searchSources.map(\.kind) }

    /// The migration that adds `mirror_generation` and the FTS5 search index, kept current by triggers so every
    /// writer (sync, webhooks, tests) keeps it exact without knowing it exists.
    static func registerReadAPIMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-read-api") { db in
            try db.execute(sql: """
                CREATE TABLE mirror_generation (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    generation INTEGER NOT NULL,
                    changed_at INTEGER NOT NULL
                );
                INSERT INTO mirror_generation (id, generation, changed_at) VALUES (1, 0, 0);
                CREATE VIRTUAL TABLE search_index USING fts5(
                    body, kind UNINDEXED, ref UNINDEXED, conversation_id UNINDEXED, contact_id UNINDEXED,
                    tokenize = 'unicode61 remove_diacritics 2'
                );
                CREATE TABLE search_refs (kind TEXT NOT NULL, ref TEXT NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (kind, ref)) WITHOUT ROWID;
                """)
            for source in try present(searchSources, db) { try db.execute(sql: searchTriggers(source)) }
            // Rows mirrored before this migration are indexed once here; the triggers keep the index current after.
            for source in try present(searchSources, db) {
                let select = "SELECT t.id AS id, \(source.text) AS body, \(source.conversationID) AS conversation_id, "
                    + "\(source.contactID) AS contact_id FROM \(quoted(source.table)) t WHERE \(source.text) <> ''"
                let rows = try Row.fetchCursor(db, sql: on("t", select))
                while let row = try rows.next() {
                    try db.execute(sql: "INSERT INTO search_index (body, kind, ref, conversation_id, contact_id) VALUES (?, ?, ?, ?, ?)",
                                   arguments: [row["body"] as String?, source.kind, row["id"] as String?, row["conversation_id"] as String?,
                                               row["contact_id"] as String?])
                    try db.execute(sql: "INSERT INTO search_refs (kind, ref, doc) VALUES (?, ?, ?)",
                                   arguments: [source.kind, row["id"] as String?, db.lastInsertedRowID])
                }
            }
        }
    }

    /// Moves the index from per-row triggers to one batch per write transaction. FTS5 flushes its pending terms into a
    /// new segment at every statement savepoint, so a trigger writing the index once per row made one segment per row
    /// and kept the index merging: a full sync wrote ten times the mirror's size. The triggers now only queue the row's
    /// id in `search_pending`; `flushSearchIndex` indexes the queue with a few set-based statements before the commit.
    static func registerBatchedSearchMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-batched-search") { db in
            try db.execute(sql: "CREATE TABLE search_pending (kind TEXT NOT NULL, ref TEXT NOT NULL, PRIMARY KEY (kind, ref)) WITHOUT ROWID")
            for source in try present(searchSources, db) {
                for event in ["insert", "update", "delete"] { try db.execute(sql: "DROP TRIGGER IF EXISTS search_\(source.kind)_\(event)") }
                try db.execute(sql: queueTriggers(source))
            }
        }
    }

    /// The sources whose tables exist: a migration that predates a source's table (tickets came with v9) runs before
    /// that table is made, and the migration that makes it adds the source's triggers.
    static func present(_ sources: [SearchSource], _ db: Database) throws -> [SearchSource] {
        try sources.filter { try db.tableExists($0.table) }
    }

    /// The SQL function that gives an HTML body's text (`HTMLText.plain`), registered on every connection of the pool.
    static let plainTextFunction = "intercache_plain_text"

    /// The function behind `plainTextFunction`.
    static let plainText = DatabaseFunction(plainTextFunction, argumentCount: 1, pure: true) { values in
        String.fromDatabaseValue(values[0]).map(HTMLText.plain)
    }

    /// Re-indexes every document as text: mirrors indexed before it hold bodies with their HTML tags, so `p` matched
    /// every body and snippets showed markup.
    static func registerSearchTextMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v8-search-text") { db in
            try db.execute(sql: "DELETE FROM search_index; DELETE FROM search_refs")
            let sources = try present(searchSources, db)
            for source in sources {
                try db.execute(sql: "INSERT OR IGNORE INTO search_pending (kind, ref) SELECT '\(source.kind)', id FROM \(quoted(source.table))")
            }
            try flushSearchIndex(db, sources: sources)
        }
    }

    /// Triggers that queue a changed row of `source` for the next `flushSearchIndex`. INSERT OR REPLACE fires no
    /// delete trigger for the row it replaces; its insert trigger queues the same id, which is enough.
    static func queueTriggers(_ source: SearchSource) -> String {
        let name = "search_\(source.kind)"
        let table = quoted(source.table)
        func queue(_ row: String) -> String { "INSERT OR IGNORE INTO search_pending (kind, ref) VALUES ('\(source.kind)', \(row).id);" }
        return """
            CREATE TRIGGER \(name)_insert AFTER INSERT ON \(table) BEGIN \(queue("NEW")) END;
            CREATE TRIGGER \(name)_update AFTER UPDATE ON \(table) BEGIN \(queue("OLD")) \(queue("NEW")) END;
            CREATE TRIGGER \(name)_delete AFTER DELETE ON \(table) BEGIN \(queue("OLD")) END;
            """
    }

    /// Brings the index up to date with the rows queued in `search_pending`, inside the caller's transaction: their old
    /// documents leave, the current text of the rows that still exist goes in, each kind in one statement.
    package static func flushSearchIndex(_ db: Database) throws { try flushSearchIndex(db, sources: searchSources) }

    /// The same over `sources`: every source, but in a migration that runs before some sources' tables exist (`present`).
    static func flushSearchIndex(_ db: Database, sources: [SearchSource]) throws {
        guard try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM search_pending)")) == true else { return }
        try db.execute(sql: """
            DELETE FROM search_index WHERE rowid IN (SELECT r.doc FROM search_pending p JOIN search_refs r ON r.kind = p.kind AND r.ref = p.ref);
            DELETE FROM search_refs WHERE (kind, ref) IN (SELECT kind, ref FROM search_pending);
            """)
        for source in sources {
            // New documents take rowids above the highest in use; search_refs maps each row to its document. The CTE is
            // materialized so each row's text (an HTML body parsed by `plainTextFunction`) is computed once, not again
            // for the empty-text filter.
            let top = try Int.fetchOne(db.cachedStatement(sql: "SELECT rowid FROM search_index ORDER BY rowid DESC LIMIT 1")) ?? 0
            try db.execute(sql: on("t", """
                WITH docs AS MATERIALIZED (
                    SELECT t.id AS ref, \(source.text) AS body, \(source.conversationID) AS conversation_id,
                        \(source.contactID) AS contact_id
                    FROM search_pending p JOIN \(quoted(source.table)) t ON t.id = p.ref WHERE p.kind = '\(source.kind)')
                INSERT INTO search_index (rowid, body, kind, ref, conversation_id, contact_id)
                    SELECT ? + row_number() OVER (ORDER BY ref), body, '\(source.kind)', ref, conversation_id, contact_id
                    FROM docs WHERE body <> '';
                INSERT INTO search_refs (kind, ref, doc) SELECT kind, ref, rowid FROM search_index WHERE rowid > ?;
                """), arguments: [top, top])
        }
        try db.execute(sql: "DELETE FROM search_pending")
    }

    /// `sql` of a search source with its row placeholder `R.` bound to `row` (`NEW`, `OLD` or a table alias).
    static func on(_ row: String, _ sql: String) -> String { sql.replacingOccurrences(of: "R.", with: "\(row).") }

    /// Insert, update and delete triggers for one search source. The sync writes with INSERT OR REPLACE, whose
    /// implicit delete fires no trigger, so the insert trigger first drops any document the row had.
    static func searchTriggers(_ source: SearchSource) -> String {
        let drop = """
            DELETE FROM search_index WHERE rowid IN (SELECT doc FROM search_refs WHERE kind = '\(source.kind)' AND ref = R.id);
            DELETE FROM search_refs WHERE kind = '\(source.kind)' AND ref = R.id;
            """
        let add = """
            INSERT INTO search_index (body, kind, ref, conversation_id, contact_id)
                SELECT \(source.text), '\(source.kind)', R.id, \(source.conversationID), \(source.contactID) WHERE \(source.text) <> '';
            INSERT INTO search_refs (kind, ref, doc) SELECT '\(source.kind)', R.id, last_insert_rowid() WHERE \(source.text) <> '';
            """
        let name = "search_\(source.kind)"
        return """
            CREATE TRIGGER \(name)_insert AFTER INSERT ON \(quoted(source.table)) BEGIN
            \(on("NEW", drop + add))
            END;
            CREATE TRIGGER \(name)_update AFTER UPDATE ON \(quoted(source.table)) BEGIN
            \(on("OLD", drop))
            \(on("NEW", add))
            END;
            CREATE TRIGGER \(name)_delete AFTER DELETE ON \(quoted(source.table)) BEGIN
            \(on("OLD", drop))
            END;
            """
    }
}
