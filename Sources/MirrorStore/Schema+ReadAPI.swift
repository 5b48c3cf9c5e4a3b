import Foundation
import GRDB

/// What the read API needs beyond the catalog tables: a write generation for ETags, and the full-text index.
extension Schema {
    /// One text source of `/search`: which table feeds it, the text indexed, and the ids kept beside it.
    struct SearchSource {
        let kind: String
        let table: String
        /// SQL over the row (`R.` is replaced by `NEW.` or the table alias) that gives the indexed text.
        let text: String
        let conversationID: String
        let contactID: String
    }

    /// Conversation and part bodies, notes, and contact names and emails, as the read API issue names them.
    static let searchSources = [
        SearchSource(kind: "conversation", table: "conversations",
                     text: "trim(coalesce(R.title, '') || ' ' || coalesce(R.source_subject, '') || ' ' || coalesce(R.source_body, ''))",
                     conversationID: "R.id", contactID: "NULL"),
        SearchSource(kind: "conversation_part", table: "conversation_parts", text: "coalesce(R.body, '')",
                     conversationID: "R.conversation_id", contactID: "NULL"),
        SearchSource(kind: "note", table: "notes", text: "coalesce(R.body, '')", conversationID: "NULL", contactID: "R.contact_id"),
        SearchSource(kind: "contact", table: "contacts", text: "trim(coalesce(R.name, '') || ' ' || coalesce(R.email, ''))",
                     conversationID: "NULL", contactID: "R.id"),
    ]

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
            for source in searchSources { try db.execute(sql: searchTriggers(source)) }
            // Rows mirrored before this migration are indexed once here; the triggers keep the index current after.
            for source in searchSources {
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
