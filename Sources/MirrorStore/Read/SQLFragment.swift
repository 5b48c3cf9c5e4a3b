/// SQL text with its bound values. The text only ever holds catalog names and constants.
package struct SQLFragment {
    var sql: String
    var arguments: [StoreValue]

    init(_ sql: String, _ arguments: [StoreValue] = []) {
        self.sql = sql
        self.arguments = arguments
    }

    /// The fragments joined by AND, each in parentheses; `1 = 1` for none (PostgreSQL's WHERE wants a boolean).
    static func and(_ parts: [SQLFragment]) -> SQLFragment {
        guard !parts.isEmpty else { return SQLFragment("1 = 1") }
        return SQLFragment(parts.map { "(\($0.sql))" }.joined(separator: " AND "), parts.flatMap(\.arguments))
    }
}
