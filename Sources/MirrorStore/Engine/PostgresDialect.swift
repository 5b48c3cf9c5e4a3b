/// How PostgreSQL spells what differs between the engines (see `SQLDialect`). JSON columns are `jsonb`; booleans stay
/// 0/1 integers, as SQLite stores them, so a filter or a BI query means the same on both engines.
struct PostgresDialect: SQLDialect {
    var name: String { "postgres" }

    func columnType(_ kind: ColumnKind) -> String {
        switch kind {
        // Byte order, as SQLite compares text: ids sort, page and compare the same on both engines.
        case .text, .id, .assignee, .label: "TEXT COLLATE \"C\""
        case .json: "JSONB"
        case .integer, .boolean, .timestamp: "BIGINT"
        case .real: "DOUBLE PRECISION"
        }
    }

    var rawType: String { "JSONB" }

    func upsert(_ table: String, columns: [String], key: [String]) -> String {
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ",")
        let updates = columns.filter { !key.contains($0) }.map { "\(Schema.quoted($0)) = EXCLUDED.\(Schema.quoted($0))" }
        let action = updates.isEmpty ? "DO NOTHING" : "DO UPDATE SET \(updates.joined(separator: ", "))"
        return "INSERT INTO \(Schema.quoted(table)) (\(columns.map(Schema.quoted).joined(separator: ","))) VALUES (\(placeholders)) "
            + "ON CONFLICT (\(key.map(Schema.quoted).joined(separator: ", "))) \(action)"
    }

    func moveLinks(_ table: String, column: String, key: [String], from id: String, to survivor: String) -> SQLFragment {
        let (t, c) = (Schema.quoted(table), Schema.quoted(column))
        let others = key.filter { $0 != column }
        guard key.contains(column), !others.isEmpty else {
            return SQLFragment("UPDATE \(t) SET \(c) = ? WHERE \(c) = ?", [.text(survivor), .text(id)])
        }
        let same = others.map { "o.\(Schema.quoted($0)) = \(t).\(Schema.quoted($0))" }.joined(separator: " AND ")
        return SQLFragment("UPDATE \(t) SET \(c) = ? WHERE \(c) = ? AND NOT EXISTS (SELECT 1 FROM \(t) o WHERE o.\(c) = ? AND \(same))",
                           [.text(survivor), .text(id), .text(survivor)])
    }

    func jsonValue(_ column: String, key: String) -> SQLFragment {
        // `->>` gives text; a number or boolean compares as its JSON text, as the filter's bound value is text.
        SQLFragment("(\(column) ->> ?::text)", [.text(key)])
    }

    func jsonNumber(_ column: String, key: String) -> SQLFragment {
        SQLFragment("(CASE WHEN jsonb_typeof(\(column) -> ?::text) = 'number' THEN (\(column) ->> ?::text)::double precision END)",
                    [.text(key), .text(key)])
    }

    /// `search_documents`' `tsvector` under its GIN index: the words ANDed as plain lexemes (`plainto_tsquery` reads
    /// no query syntax), ranked by `ts_rank` (negated, so lower is better as with bm25), the snippet by `ts_headline`.
    func search(words: [String], kinds: [String], limit: Int, ticketOfHit: String) -> SQLFragment {
        let marks = "StartSel=\"\(HTMLText.matchStart)\", StopSel=\"\(HTMLText.matchEnd)\", MaxWords=16, MinWords=6, ShortWord=0"
        let sql = """
            SELECT kind, ref, conversation_id, contact_id, ts_headline('simple', body, q, ?::text) AS snippet,
              -ts_rank(document, q)::double precision AS rank, \(ticketOfHit) AS ticket_id
            FROM search_documents, plainto_tsquery('simple', ?::text) q WHERE document @@ q
            """
        let arguments: [StoreValue] = [.text(marks), .text(words.joined(separator: " "))]
        return searchQuery(SQLFragment(sql, arguments), kinds: kinds, orderBy: "rank, kind, ref", limit: limit)
    }

    var like: String { "ILIKE" }

    func nullsLowest(descending: Bool) -> String { descending ? " NULLS LAST" : " NULLS FIRST" }
}
