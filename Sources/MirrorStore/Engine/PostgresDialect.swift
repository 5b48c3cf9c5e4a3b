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
        let parts = upsertParts(table, columns: columns, key: key)
        return parts.head + "(" + MirrorTransaction.placeholders(columns.count) + ")" + parts.tail
    }

    /// The upsert around its row of placeholders: `head` ends in `VALUES `, `tail` is the ON CONFLICT clause (the
    /// writer repeats the row to send many at once); `updates` tells DO UPDATE from DO NOTHING.
    func upsertParts(_ table: String, columns: [String], key: [String]) -> (head: String, tail: String, updates: Bool) {
        let updates = columns.filter { !key.contains($0) }.map { "\(Schema.quoted($0)) = EXCLUDED.\(Schema.quoted($0))" }
        let action = updates.isEmpty ? "DO NOTHING" : "DO UPDATE SET \(updates.joined(separator: ", "))"
        return ("INSERT INTO \(Schema.quoted(table)) (\(columns.map(Schema.quoted).joined(separator: ","))) VALUES ",
                " ON CONFLICT (\(key.map(Schema.quoted).joined(separator: ", "))) \(action)", !updates.isEmpty)
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
    ///
    /// `ts_headline` drops what its parser reads as an HTML tag (a contact named `<b>Ann</b>`, or a body's text with
    /// `&lt;` in it, lost those words from the snippet), so `<` goes in as `tagMask` and comes back out; bodies are text
    /// by then (`HTMLText.plain`), so nothing in them is markup. `MinWords=15` extends the fragment back before the
    /// match to 15 words: a short document's snippet is its whole text, as FTS5's 16-token snippet is (with 6, a
    /// contact's name before the matched word was cut).
    func search(words: [String], kinds: [String], limit: Int, ticketOfHit: String) -> SQLFragment {
        let marks = "StartSel=\"\(HTMLText.matchStart)\", StopSel=\"\(HTMLText.matchEnd)\", MaxWords=16, MinWords=15, ShortWord=0"
        let sql = """
            SELECT kind, ref, conversation_id, contact_id,
              replace(ts_headline('simple', replace(body, '<', chr(\(Self.tagMask))), q, ?::text), chr(\(Self.tagMask)), '<') AS snippet,
              -ts_rank(document, q)::double precision AS rank, \(ticketOfHit) AS ticket_id
            FROM search_documents, plainto_tsquery('simple', ?::text) q WHERE document @@ q
            """
        let arguments: [StoreValue] = [.text(marks), .text(words.joined(separator: " "))]
        return searchQuery(SQLFragment(sql, arguments), kinds: kinds, orderBy: "rank, kind, ref", limit: limit)
    }

    /// The code point that stands in for `<` while `ts_headline` reads a body: U+E002, private use like the match marks
    /// (U+E000 and U+E001) beside it. A body holding it already would show `<` there in its snippet.
    static let tagMask = 0xE002

    var like: String { "ILIKE" }

    func nullsLowest(descending: Bool) -> String { descending ? " NULLS LAST" : " NULLS FIRST" }
}
