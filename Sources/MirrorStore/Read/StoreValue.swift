import GRDB
import GRDBSQLite

/// One stored value as the read side hands it out: what every engine can hold in a scalar column. The read API sees
/// only this type, never an engine's own value type, so a second engine plugs in behind the same signatures.
public enum StoreValue: Sendable, Hashable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)

    public var isNull: Bool { self == .null }

    /// The value as text: numbers in their decimal form, nil for NULL.
    public var string: String? {
        switch self {
        case .null: nil
        case let .int(n): String(n)
        case let .double(x): String(x)
        case let .text(s): s
        }
    }

    /// The value as an integer, nil for NULL and for text that is not one.
    public var integer: Int? {
        switch self {
        case .null: nil
        case let .int(n): Int(n)
        case let .double(x): Int(x)
        case let .text(s): Int(s)
        }
    }

    /// A boolean as the mirror stores it (1 or 0).
    public static func bool(_ value: Bool) -> StoreValue { .int(value ? 1 : 0) }
}

extension StoreValue {
    /// SQLite's value for a bound parameter.
    package var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case let .int(n): n.databaseValue
        case let .double(x): x.databaseValue
        case let .text(s): s.databaseValue
        }
    }

    /// Column `index` of the statement's current row, read straight from SQLite (blobs, which the mirror never
    /// stores, read as NULL).
    init(sqliteStatement statement: SQLiteStatement, index: CInt) {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER: self = .int(sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT: self = .double(sqlite3_column_double(statement, index))
        case SQLITE_TEXT: self = .text(sqlite3_column_text(statement, index).map { String(cString: $0) } ?? "")
        default: self = .null
        }
    }
}

extension Statement {
    /// `valueRows`, as store values: the shape the read side hands out, read without an intermediate `DatabaseValue`.
    func storeRows(limit: Int = .max) throws -> [[StoreValue]] {
        let statement = sqliteStatement
        defer { sqlite3_reset(statement) }
        let count = sqlite3_column_count(statement)
        var rows: [[StoreValue]] = []
        while rows.count < limit {
            let code = sqlite3_step(statement)
            switch code {
            case SQLITE_ROW:
                var row: [StoreValue] = []
                row.reserveCapacity(Int(count))
                for index in 0..<count { row.append(StoreValue(sqliteStatement: statement, index: index)) }
                rows.append(row)
            case SQLITE_DONE:
                return rows
            default:
                throw DatabaseError(resultCode: ResultCode(rawValue: code),
                                    message: String(cString: sqlite3_errmsg(sqlite3_db_handle(statement))), sql: sql)
            }
        }
        return rows
    }
}

extension Database {
    /// The cached statement for `fragment`, its values bound.
    func statement(_ fragment: SQLFragment) throws -> Statement {
        try bound(fragment.sql, fragment.arguments.map(\.databaseValue))
    }
}
