import IntercomAPI

/// How a column's value is read out of Intercom's JSON.
public enum ColumnKind: Sendable, Equatable {
    /// A string, kept as is (numbers are written as their text).
    case text
    /// An integer.
    case integer
    /// A floating-point number.
    case real
    /// `true`/`false` stored as 1/0.
    case boolean
    /// Unix seconds; ISO-8601 strings (event summaries) are converted.
    case timestamp
    /// An Intercom id: string or number, always stored as TEXT.
    case id
    /// An assignee id: integers where 0 or null both mean "unassigned", stored as TEXT or NULL.
    case assignee
    /// A nested object or array, stored as JSON text.
    case json

    /// The SQLite type affinity of the column.
    public var sqlType: String {
        switch self {
        case .text, .id, .assignee, .json: "TEXT"
        case .integer, .boolean, .timestamp: "INTEGER"
        case .real: "REAL"
        }
    }
}

/// Where a column's value comes from.
public enum ColumnSource: Sendable, Equatable {
    /// A path of object keys inside the item.
    case path([String])
    /// The id of the object that owns the list (link and child tables).
    case owner
    /// The list element itself, for lists of bare ids such as a team's `admin_ids`.
    case element
    /// Several paths joined with `:`, for ids Intercom does not give (data attributes, event summaries).
    case joined([[String]])
    /// Not in Intercom's JSON: filled in by the sync after the row is written (`parts_truncated`).
    case computed
}

/// One column of a mirrored table.
public struct ColumnSpec: Sendable {
    public let name: String
    public let kind: ColumnKind
    public let source: ColumnSource
    /// A JSON object whose keys are filters of their own (`custom_attributes.KEY=value`).
    public let keyed: Bool

    public init(_ name: String, _ kind: ColumnKind, _ source: ColumnSource, keyed: Bool = false) {
        self.name = name
        self.kind = kind
        self.source = source
        self.keyed = keyed
    }
}

/// A table fed from an array inside each item of another table (tags of a contact, parts of a conversation).
public struct ChildSpec: Sendable {
    /// The child table's name in `Catalog.tables`.
    public let table: String
    /// Path to the array in the owning item.
    public let arrayPath: [String]
    /// The child column that holds the owner's id.
    public let ownerColumn: String
    /// Path to the list's `has_more` flag: when true, the embedded array is only the first 10.
    public let hasMorePath: [String]?
    /// Sub-resource that returns the whole list, with `{id}` for the owner id, and the key of its items.
    public let fullList: (path: String, itemsKey: String)?
    /// Whether rows missing from a fresh list are removed; false for conversation parts, which Intercom caps at
    /// the 500 most recent, so older parts already mirrored are kept.
    public let replaces: Bool

    public init(_ table: String, from arrayPath: [String], owner: String, hasMore: [String]? = nil,
                fullList: (path: String, itemsKey: String)? = nil, replaces: Bool = true) {
        self.table = table
        self.arrayPath = arrayPath
        self.ownerColumn = owner
        self.hasMorePath = hasMore
        self.fullList = fullList
        self.replaces = replaces
    }
}

/// One mirrored table: its columns, key, and the child tables fed from its items.
public struct TableSpec: Sendable {
    public let name: String
    public let columns: [ColumnSpec]
    public let primaryKey: [String]
    /// Resource tables keep the item's JSON as received in `raw`; link tables do not need to.
    public let keepsRaw: Bool
    public let children: [ChildSpec]
    /// Extra indexes, each a list of columns. On a table that keeps `raw`, each ends with `id` (see `Schema.createIndexes`).
    /// `["id", "custom_attributes"]` serves `custom_attributes.KEY=` filters: rows run to kilobytes, so scanning this
    /// narrow index in id order and reading only the matching rows is about twice as fast as scanning the table.
    public let indexes: [[String]]

    public init(_ name: String, key: [String] = ["id"], raw: Bool = true, children: [ChildSpec] = [],
                indexes: [[String]] = [], columns: [ColumnSpec]) {
        self.name = name
        self.columns = columns
        self.primaryKey = key
        self.keepsRaw = raw
        self.children = children
        self.indexes = indexes
    }

    /// Every column name in storage order, `raw` included.
    public var columnNames: [String] { columns.map(\.name) + (keepsRaw ? ["raw"] : []) }
}
