import Foundation

/// How SQLite spells what differs between the engines (see `SQLDialect`).
struct SQLiteDialect: SQLDialect {
    var name: String { "sqlite" }

    func columnType(_ kind: ColumnKind) -> String { kind.sqlType }

    var rawType: String { "TEXT" }

    func upsert(_ table: String, columns: [String], key: [String]) -> String {
        let placeholders = MirrorTransaction.placeholders(columns.count)
        return "INSERT OR REPLACE INTO \(Schema.quoted(table)) (\(columns.map(Schema.quoted).joined(separator: ","))) VALUES (\(placeholders))"
    }

    func moveLinks(_ table: String, column: String, key: [String], from id: String, to survivor: String) -> SQLFragment {
        SQLFragment("UPDATE OR IGNORE \(Schema.quoted(table)) SET \(Schema.quoted(column)) = ? WHERE \(Schema.quoted(column)) = ?",
                    [.text(survivor), .text(id)])
    }

    func jsonValue(_ column: String, key: String) -> SQLFragment {
        SQLFragment("json_extract(\(column), ?)", [.text("$.\"\(key)\"")])
    }

    func jsonNumber(_ column: String, key: String) -> SQLFragment { jsonValue(column, key: key) }

    /// FTS5 over `search_index`: each word a quoted phrase, so FTS5 syntax in a query is never interpreted; bm25 ranks.
    func search(words: [String], kinds: [String], limit: Int, ticketOfHit: String) -> SQLFragment {
        let match = words.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " ")
        let sql = """
            SELECT kind, ref, conversation_id, contact_id, snippet(search_index, 0, ?, ?, '…', 16) AS snippet,
              bm25(search_index) AS rank, \(ticketOfHit) AS ticket_id FROM search_index WHERE search_index MATCH ?
            """
        let arguments: [StoreValue] = [.text(String(HTMLText.matchStart)), .text(String(HTMLText.matchEnd)), .text(match)]
        return searchQuery(SQLFragment(sql, arguments), kinds: kinds, orderBy: "rank", limit: limit)
    }

    var like: String { "LIKE" }

    func nullsLowest(descending: Bool) -> String { "" }
}
