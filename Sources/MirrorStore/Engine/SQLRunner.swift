import GRDB

/// One connection's statements as the store's SQL needs them: run one, or read its rows as store values. The store's
/// writes and reads are written against this, and each engine runs them on its own connections; `dialect` renders the
/// few statements whose spelling differs between engines. Values are bound, never spliced (`?` placeholders; an engine
/// that spells them otherwise renders them itself).
package protocol SQLRunner {
    /// How this engine spells what differs.
    var dialect: any SQLDialect { get }
    /// Runs one statement with `values` bound to its `?` placeholders.
    func execute(_ sql: String, _ values: [DatabaseValue]) throws
    /// Runs one statement and returns at most `limit` rows, each column as a store value.
    func rows(_ sql: String, _ values: [DatabaseValue], limit: Int) throws -> [[StoreValue]]
    /// Runs one statement and returns its rows by column name (the status reads, which are few and small).
    func namedRows(_ sql: String, _ values: [DatabaseValue]) throws -> [NamedRow]
    /// The SQLite connection, for the SQLite-only paths (its FTS5 index, migrations of older mirror files).
    var sqlite: Database? { get }
}

extension SQLRunner {
    /// Runs one statement with its values, of any type the store binds (`nil` binds NULL).
    func run(_ sql: String, _ values: (any DatabaseValueConvertible)?...) throws {
        try execute(sql, values.map { $0?.databaseValue ?? .null })
    }

    /// The rows of one statement with its values.
    func fetch(_ sql: String, _ values: (any DatabaseValueConvertible)?...) throws -> [[StoreValue]] {
        try rows(sql, values.map { $0?.databaseValue ?? .null }, limit: .max)
    }

    /// The rows of `fragment`, at most `limit`.
    func rows(_ fragment: SQLFragment, limit: Int = .max) throws -> [[StoreValue]] {
        try rows(fragment.sql, fragment.arguments.map(\.databaseValue), limit: limit)
    }

    /// The first column of every row of one statement, as text.
    func strings(_ sql: String, _ values: [DatabaseValue] = []) throws -> [String] {
        try rows(sql, values, limit: .max).compactMap { $0.first?.string }
    }

    /// The first column of the first row, as an integer (a count), or nil.
    func integer(_ sql: String, _ values: [DatabaseValue] = []) throws -> Int? {
        try rows(sql, values, limit: 1).first?.first?.integer
    }
}

/// One row by column name.
package struct NamedRow: Sendable {
    package let values: [String: StoreValue]

    package init(_ values: [String: StoreValue]) { self.values = values }

    package func text(_ name: String) -> String? { values[name]?.string }
    package func int(_ name: String) -> Int? { values[name]?.integer }
}

extension SQLRunner {
    /// The named rows of one statement with its values.
    func named(_ sql: String, _ values: (any DatabaseValueConvertible)?...) throws -> [NamedRow] {
        try namedRows(sql, values.map { $0?.databaseValue ?? .null })
    }
}

/// `SQLRunner` over a GRDB connection: cached statements with values bound straight to SQLite (`Database.bound`).
struct SQLiteRunner: SQLRunner {
    let db: Database

    var dialect: any SQLDialect { SQLiteDialect() }
    var sqlite: Database? { db }

    func execute(_ sql: String, _ values: [DatabaseValue]) throws { try db.bound(sql, values).execute() }

    func rows(_ sql: String, _ values: [DatabaseValue], limit: Int) throws -> [[StoreValue]] {
        try db.bound(sql, values).storeRows(limit: limit)
    }

    func namedRows(_ sql: String, _ values: [DatabaseValue]) throws -> [NamedRow] {
        let statement = try db.bound(sql, values)
        let names = statement.columnNames
        return try statement.storeRows().map { row in NamedRow(Dictionary(zip(names, row), uniquingKeysWith: { a, _ in a })) }
    }
}
