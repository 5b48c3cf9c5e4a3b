/// A list the read API serves: a catalog table, optionally narrowed (users are contacts whose role is user).
/// Its allowlists (fields, filters, sorts, group-bys) all come from the catalog's columns.
public struct ReadResource: Sendable {
    /// The URL segment: `contacts`, `users`, `conversations`…
    public let name: String
    /// What one item is called in messages: `contact`, `user`…
    public let singular: String
    public let table: TableSpec
    /// A constant narrowing of the table: the column and the value it must hold (never request text).
    public let scope: (column: String, value: String)?
    /// The order of a list when `sort` is not given.
    public let defaultSort: SortKey
    /// What an item's own route adds to its columns (a conversation's parts, contact ids and tag ids).
    public let embeds: [Embed]
    /// The column an item's id matches (`id`; `conversation_id` for a conversation's metrics).
    public let key: String
    /// Tables keyed by this resource's id whose columns are fields of its lists under a prefix (`metrics.`).
    public let joined: [JoinedColumns]
    /// The select list of its columns over `t`, in the order rows are decoded: built once, not on every request.
    let selectList: String

    public init(_ name: String, _ singular: String, table: String, scope: (column: String, value: String)? = nil,
                defaultSort: SortKey = SortKey(column: "id", descending: false), embeds: [Embed] = [], key: String = "id",
                joined: [JoinedColumns] = []) {
        self.key = key
        self.joined = joined
        self.name = name
        self.singular = singular
        self.table = Catalog.table(table)
        self.scope = scope
        self.defaultSort = defaultSort
        self.embeds = embeds
        selectList = self.table.columns.map { ListPlan.column($0.name) }.joined(separator: ", ")
    }

    /// Columns served in each item, in catalog order.
    public var fields: [ColumnSpec] { table.columns }
    /// Columns that can be filtered, sorted and grouped: every scalar column (JSON columns are not comparable).
    public var filterable: [ColumnSpec] { table.columns.filter { $0.kind != .json } }
    /// The catalog's keyed JSON column (`custom_attributes`), whose keys are filters: `NAME.KEY=value`.
    public var keyedColumn: ColumnSpec? { table.columns.first(where: \.keyed) }

    public func field(_ name: String) -> ColumnSpec? { fields.first { $0.name == name } }
    public func filterableColumn(_ name: String) -> ColumnSpec? { filterable.first { $0.name == name } }

    /// The item's key equal to `id`, narrowed by the scope: a user id is not found under `/leads`.
    func matching(id: String) -> SQLFragment {
        let match = "\(ListPlan.column(key)) = ?"
        guard let scope else { return SQLFragment(match, [.text(id)]) }
        return SQLFragment("\(match) AND \(ListPlan.column(scope.column)) = ?", [.text(id), .text(scope.value)])
    }

    /// What a filter or sort field names: a filterable column, or `PREFIX.COLUMN` of a joined table. Keyed JSON
    /// fields (`custom_attributes.KEY`) are filters only and resolved by the caller.
    public func target(_ name: String) -> FilterTarget? {
        if let column = filterableColumn(name) { return .column(name: column.name, kind: column.kind) }
        for join in joined where name.hasPrefix(join.prefix + ".") {
            let columnName = String(name.dropFirst(join.prefix.count + 1))
            guard let column = join.filterable.first(where: { $0.name == columnName }) else { return nil }
            return .joined(table: join.table.name, key: join.key, column: column.name, kind: column.kind)
        }
        return nil
    }

    /// Every field a filter or sort may name, for hints and the OpenAPI document.
    public var targetNames: [String] {
        filterable.map(\.name) + joined.flatMap { join in join.filterable.map { "\(join.prefix).\($0.name)" } }
    }

    /// The scope as a condition over `t`, if any.
    var scopeCondition: SQLFragment? {
        scope.map { SQLFragment("\(ListPlan.column($0.column)) = ?", [.text($0.value)]) }
    }
}

/// A table keyed by a resource's id whose columns filter and sort that resource's lists as `PREFIX.COLUMN`.
public struct JoinedColumns: Sendable {
    public let prefix: String
    public let table: TableSpec
    /// The joined table's column holding the resource's id.
    public let key: String

    public init(prefix: String, table: String, key: String) {
        self.prefix = prefix
        self.table = Catalog.table(table)
        self.key = key
    }

    /// The joined table's scalar columns but its key.
    public var filterable: [ColumnSpec] { table.columns.filter { $0.kind != .json && $0.name != key } }
}

/// A list embedded in one item's answer, read from a table keyed by the item's id.
public enum Embed: Sendable {
    /// `key`: the `column` values of `table`'s rows whose `owner` is the item, sorted.
    case ids(key: String, table: String, owner: String, column: String)
    /// `key`: the rows of `resource` whose `owner` is the item, in `order` (then id).
    case rows(key: String, resource: String, owner: String, order: String)

    public var key: String {
        switch self {
        case let .ids(key, _, _, _), let .rows(key, _, _, _): key
        }
    }
}

/// A sort order: one allowlisted column, with `id` as the tiebreak.
public struct SortKey: Sendable, Equatable {
    public let column: String
    public let descending: Bool
    public init(column: String, descending: Bool) {
        self.column = column
        self.descending = descending
    }
    /// `field` or `-field`, as the `sort` parameter spells it.
    public var text: String { (descending ? "-" : "") + column }
}
