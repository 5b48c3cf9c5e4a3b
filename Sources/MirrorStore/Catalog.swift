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
    /// Text that may come as a list (a ticket attribute update's value: a label, or for files the file names): strings
    /// as they are, numbers and booleans as their text, lists and objects as JSON text. No shape is drift.
    case label

    /// The SQLite type affinity of the column.
    public var sqlType: String {
        switch self {
        case .text, .id, .assignee, .json, .label: "TEXT"
        case .integer, .boolean, .timestamp: "INTEGER"
        case .real: "REAL"
        }
    }
}

/// Where a column's value comes from.
public enum ColumnSource: Sendable, Equatable {
    /// A path of object keys inside the item.
    case path([String])
    /// The first of several paths that holds a scalar, for a field whose shape changed between API versions
    /// (`ticket_state`: an object with a `category` in 2.16, the category's string before).
    case anyOf([[String]])
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
    /// Where the array may sit instead, when Intercom's schema and examples disagree (read when `arrayPath` is absent).
    public let alternatePath: [String]?
    /// The child column that holds the owner's id.
    public let ownerColumn: String
    /// Path to the list's `has_more` flag: when true, the embedded array is only the first 10.
    public let hasMorePath: [String]?
    /// Sub-resource that returns the whole list, with `{id}` for the owner id, and the key of its items.
    public let fullList: (path: String, itemsKey: String)?
    /// Whether rows missing from a fresh list are removed; false for conversation parts, which Intercom caps at
    /// the 500 most recent, so older parts already mirrored are kept.
    public let replaces: Bool

    public init(_ table: String, from arrayPath: [String], or alternatePath: [String]? = nil, owner: String, hasMore: [String]? = nil,
                fullList: (path: String, itemsKey: String)? = nil, replaces: Bool = true) {
        self.table = table
        self.arrayPath = arrayPath
        self.alternatePath = alternatePath
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

/// A parent → child list of the read API (`/contacts/{id}/conversations`): which children belong to a parent.
public struct RelationSpec: Sendable {
    /// The parent resources, by name: the route is served under each (`/contacts`, `/users`, `/leads`).
    public let parents: [String]
    /// The child resource, by name.
    public let child: String
    /// The route's last segment (`/conversations/{id}/parts`): the child's name unless given.
    public let segment: String
    /// How a child row points at its parent.
    public let path: RelationPath

    public init(_ parents: [String], _ child: String, segment: String? = nil, _ path: RelationPath) {
        self.parents = parents
        self.child = child
        self.segment = segment ?? child
        self.path = path
    }
}

/// How a child row points at its parent: a column of its own, or link tables walked from the child's id.
public enum RelationPath: Sendable {
    /// The child's column holds the parent id (`notes.contact_id`).
    case column(String)
    /// Link tables from the child's id to the parent id, child side first: each hop maps its `from` column to `to`,
    /// and the last `to` is the parent id (a company's conversations: conversation → contact → company).
    case links([LinkHop])
}

/// One link table on a relation's path.
public struct LinkHop: Sendable {
    public let table: String
    public let from: String
    public let to: String
    /// A constant the hop's rows must hold (`linked_type = conversation`): a catalog column and value, bound.
    public let only: (column: String, value: String)?

    public init(_ table: String, _ from: String, _ to: String, only: (column: String, value: String)? = nil) {
        self.table = table
        self.from = from
        self.to = to
        self.only = only
    }
}

/// Where Intercom caps an item's embedded parts: the item's `total` column counts them all, the `parts` table (keyed by
/// `owner`) holds what the mirror has, and the computed `flag` says the mirror holds fewer.
public struct TruncationSpec: Sendable {
    public let table: String
    public let flag: String
    public let total: String
    public let parts: String
    public let owner: String
}

/// One count of the dashboard summary (`/counts`): the rows of `table`, optionally only those whose `filter` column
/// holds its value, in total or per value of `groupBy` (NULL spelled `unassigned`), at `path` in the answer.
public struct DashboardCount: Sendable {
    public let path: [String]
    public let table: String
    public let groupBy: String?
    public let filter: (column: String, value: String)?

    public init(_ path: [String], _ table: String, groupBy: String? = nil, filter: (column: String, value: String)? = nil) {
        self.path = path
        self.table = table
        self.groupBy = groupBy
        self.filter = filter
    }
}

/// One text source of `/search`: which table feeds it, the columns whose text is indexed (joined by spaces), and the
/// columns of the conversation and contact kept beside each hit.
public struct SearchSourceSpec: Sendable {
    public let kind: String
    public let table: String
    public let text: [String]
    /// The text columns that hold HTML (Intercom's bodies): indexed as the text they show, without their markup.
    public let html: Set<String>
    public let conversationID: String?
    public let contactID: String?
    /// The source's column holding its ticket's id: not kept in the index (whose columns predate tickets), but looked
    /// up from the row when a hit is read.
    public let ticketID: String?

    public init(_ kind: String, _ table: String, text: [String], html: Set<String> = [], conversation: String? = nil,
                contact: String? = nil, ticket: String? = nil) {
        self.kind = kind
        self.table = table
        self.text = text
        self.html = html
        conversationID = conversation
        contactID = contact
        ticketID = ticket
    }
}

/// Views shaped like the Keboola and Segment warehouse layouts: per role of `table`, a view of its rows named after
/// the role (`users`), and one per link (`users_tags`) with the owner renamed `ROLE_id`.
public struct SeedViewSpec: Sendable {
    public let table: String
    public let roleColumn: String
    public let roles: [String]
    public let links: [SeedLink]
}

/// One link view of the seed layout: `columns` of the link table, and `lookup` columns of the table they point at,
/// renamed.
public struct SeedLink: Sendable {
    public let suffix: String
    public let table: String
    public let owner: String
    public let columns: [String]
    public let lookup: (table: String, key: String, columns: [(name: String, alias: String)])?

    public init(_ suffix: String, _ table: String, owner: String, columns: [String],
                lookup: (table: String, key: String, columns: [(name: String, alias: String)])? = nil) {
        self.suffix = suffix
        self.table = table
        self.owner = owner
        self.columns = columns
        self.lookup = lookup
    }
}
