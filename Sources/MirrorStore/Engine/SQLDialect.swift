/// The ways the mirror's engines spell the same statement (after SQLKit's `SQLDialect`): each is one requirement here,
/// filled in by one file per engine (`SQLiteDialect`, `PostgresDialect`). Callers build statements from the catalog
/// once; the dialect renders the parts that differ. Every name passed in comes from the catalog.
package protocol SQLDialect: Sendable {
    /// `sqlite` or `postgres`, as `/sync` and the logs name the engine.
    var name: String { get }
    /// The column type of a catalog kind.
    func columnType(_ kind: ColumnKind) -> String
    /// The type of a resource table's `raw` column (the item as Intercom sent it).
    var rawType: String { get }
    /// INSERT of every stored column of `table` that replaces the row of the same primary key.
    func upsert(_ table: String, columns: [String], key: [String]) -> String
    /// The statement that moves the rows of link `table` (primary key `key`) from `column = id` to `column = survivor`
    /// (a merged contact's), leaving behind any the survivor already has.
    func moveLinks(_ table: String, column: String, key: [String], from id: String, to survivor: String) -> SQLFragment
    /// A JSON column's value at key `key` as SQL over `column` (the key is bound, never spliced).
    func jsonValue(_ column: String, key: String) -> SQLFragment
    /// A JSON column's number at key `key` (NULL when it holds something else), for aggregates over it.
    func jsonNumber(_ column: String, key: String) -> SQLFragment
    /// `/search`'s query: hits of every word of `words` (each a literal), best first, as rows of kind, ref,
    /// conversation_id, contact_id, snippet (matches between `HTMLText.matchStart` and `matchEnd`), rank (lower is
    /// better) and ticket_id (`ticketOfHit`, SQL over a hit's `kind` and `ref`).
    func search(words: [String], kinds: [String], limit: Int, ticketOfHit: String) -> SQLFragment
    /// The case-insensitive LIKE operator (SQLite's LIKE ignores ASCII case; PostgreSQL's does not).
    var like: String { get }
    /// What follows an ORDER BY term so NULL sorts lowest, as SQLite orders it, in either direction.
    func nullsLowest(descending: Bool) -> String
}

extension SQLDialect {
    /// A search query's engine-specific `head` (its SELECT and match) with what every engine adds the same way: the
    /// kinds asked for, the order, and the limit, all bound.
    func searchQuery(_ head: SQLFragment, kinds: [String], orderBy: String, limit: Int) -> SQLFragment {
        var fragment = head
        if !kinds.isEmpty {
            fragment.sql += " AND kind IN (\(Array(repeating: "?", count: kinds.count).joined(separator: ", ")))"
            fragment.arguments += kinds.map(StoreValue.text)
        }
        fragment.sql += " ORDER BY \(orderBy) LIMIT ?"
        fragment.arguments.append(.int(Int64(limit)))
        return fragment
    }
}
