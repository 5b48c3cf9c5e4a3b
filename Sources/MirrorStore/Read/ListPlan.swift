import Foundation
/// A list request as SQL over the resource's table (alias `t`): the resource, an optional relation to a parent, and
/// the parsed sort, filters and group-by. Every name in it comes from the catalog; every value is bound.
public struct ListPlan: Sendable {
    public let resource: ReadResource
    public let relation: Relation?
    public let sort: SortKey
    public let filters: [Filter]
    public let groupBy: [ColumnSpec]
    /// The engine's spelling of what differs (JSON keys, LIKE, NULL order); the reader sets it (`rendered(for:)`).
    var dialect: any SQLDialect = SQLiteDialect()

    public init(resource: ReadResource, relation: Relation? = nil, sort: SortKey, filters: [Filter] = [], groupBy: [ColumnSpec] = []) {
        self.resource = resource
        self.relation = relation
        self.sort = sort
        self.filters = filters
        self.groupBy = groupBy
    }

    /// The parent that must exist for a relation list (`/users/{id}/conversations`): 404 otherwise, not an empty list.
    var parent: (resource: ReadResource, id: String)? { relation.map { ($0.parent, $0.parentID) } }

    var table: String { Schema.quotedName(resource.table.name) }

    static func column(_ name: String) -> String { "t.\(Schema.quotedName(name))" }

    /// This plan for `dialect`'s engine.
    func rendered(for dialect: any SQLDialect) -> ListPlan {
        var plan = self
        plan.dialect = dialect
        return plan
    }

    static func expression(_ target: FilterTarget, _ dialect: any SQLDialect = SQLiteDialect()) -> SQLFragment {
        switch target {
        case let .column(name, _): SQLFragment(column(name))
        case let .jsonKey(name, key): dialect.jsonValue(column(name), key: key)
        case let .joined(table, key, name, _):
            SQLFragment("(SELECT j.\(Schema.quotedName(name)) FROM \(Schema.quotedName(table)) j WHERE j.\(Schema.quotedName(key)) = t.id)")
        }
    }

    /// The SQL of a sort field: a column of `t`, or a joined table's column as a correlated lookup.
    static func sortExpression(_ resource: ReadResource, _ name: String) -> String {
        guard let target = resource.target(name), case .joined = target else { return column(name) }
        return expression(target).sql
    }

    /// Whether the sort field is a column of the rows read (else its value is selected after them, for the cursor).
    var sortsByRowColumn: Bool { resource.field(sort.column) != nil }

    /// A relation's condition over `t`, with the parent id bound once.
    static func condition(_ relation: Relation) -> SQLFragment {
        let id = StoreValue.text(relation.parentID)
        switch relation.spec.path {
        case let .column(name): return SQLFragment("\(column(name)) = ?", [id])
        case let .links(hops):
            // Innermost first: the last hop matches the parent id, each earlier one the ids the next gave.
            var inner = "?"
            var arguments = [id]
            for hop in hops.reversed() {
                inner = "SELECT \(Schema.quotedName(hop.from)) FROM \(Schema.quotedName(hop.table)) WHERE \(Schema.quotedName(hop.to)) "
                    + (inner == "?" ? "= ?" : "IN (\(inner))")
                if let only = hop.only {
                    inner += " AND \(Schema.quotedName(only.column)) = ?"
                    arguments.append(.text(only.value))
                }
            }
            return SQLFragment("t.id IN (\(inner))", arguments)
        }
    }

    /// The WHERE clause without the cursor: scope, relation, filters.
    var conditions: SQLFragment {
        var parts: [SQLFragment] = []
        if let scope = resource.scopeCondition { parts.append(scope) }
        if let relation { parts.append(Self.condition(relation)) }
        for filter in filters { parts.append(Self.condition(filter, dialect)) }
        return SQLFragment.and(parts)
    }

    static func condition(_ filter: Filter, _ dialect: any SQLDialect = SQLiteDialect()) -> SQLFragment {
        // A joined column filters by the ids its table matches: one pass over that table, not a lookup per row.
        if case let .joined(table, key, name, kind) = filter.target {
            let inner = condition(Filter(target: .column(name: name, kind: kind), op: filter.op, values: filter.values), dialect)
            let sql = inner.sql.replacingOccurrences(of: column(name), with: "j.\(Schema.quotedName(name))")
            return SQLFragment("t.id IN (SELECT j.\(Schema.quotedName(key)) FROM \(Schema.quotedName(table)) j WHERE \(sql))", inner.arguments)
        }
        let e = expression(filter.target, dialect)
        func with(_ sql: String, _ values: [StoreValue]) -> SQLFragment {
            // The expression appears once per `{e}`; its own bound path repeats with it.
            let uses = sql.components(separatedBy: "{e}").count - 1
            let text = sql.replacingOccurrences(of: "{e}", with: e.sql)
            return SQLFragment(text, Array(repeating: e.arguments, count: uses).flatMap { $0 } + values)
        }
        let placeholders = Array(repeating: "?", count: filter.values.count).joined(separator: ", ")
        switch filter.op {
        case .eq: return with(filter.values.count == 1 ? "{e} = ?" : "{e} IN (\(placeholders))", filter.values)
        case .ne: return with("{e} IS NULL OR {e} NOT IN (\(placeholders))", filter.values)
        case .gt: return with("{e} > ?", filter.values)
        case .gte: return with("{e} >= ?", filter.values)
        case .lt: return with("{e} < ?", filter.values)
        case .lte: return with("{e} <= ?", filter.values)
        case .in: return with("{e} IN (\(placeholders))", filter.values)
        case .contains, .startswith: return with("{e} \(dialect.like) ? ESCAPE '\\'", filter.values)
        case .isnull: return with(filter.values.first == .int(1) ? "{e} IS NULL" : "{e} IS NOT NULL", [])
        }
    }

    /// Items strictly after the cursor in the sort order, NULL sorting lowest as SQLite orders it.
    func after(_ cursor: Cursor) -> SQLFragment {
        let id = StoreValue.text(cursor.id)
        guard cursor.sort.column != "id" else { return SQLFragment(cursor.sort.descending ? "t.id < ?" : "t.id > ?", [id]) }
        let c = Self.sortExpression(resource, cursor.sort.column)
        switch (cursor.sort.descending, cursor.value.isNull) {
        case (false, false): return SQLFragment("\(c) > ? OR (\(c) = ? AND t.id > ?)", [cursor.value, cursor.value, id])
        case (false, true): return SQLFragment("(\(c) IS NULL AND t.id > ?) OR \(c) IS NOT NULL", [id])
        case (true, false): return SQLFragment("\(c) < ? OR (\(c) = ? AND t.id < ?) OR \(c) IS NULL", [cursor.value, cursor.value, id])
        case (true, true): return SQLFragment("\(c) IS NULL AND t.id < ?", [id])
        }
    }

    var orderBy: String {
        let direction = sort.descending ? " DESC" : ""
        if sort.column == "id" { return "t.id\(direction)" }
        return "\(Self.sortExpression(resource, sort.column))\(direction)\(dialect.nullsLowest(descending: sort.descending)), t.id\(direction)"
    }

    /// One page: `limit + 1` rows, so the caller knows whether another page follows.
    func page(after cursor: Cursor?, limit: Int) -> SQLFragment {
        let conditions = SQLFragment.and([self.conditions] + (cursor.map { [after($0)] } ?? []))
        let select = sortsByRowColumn ? resource.selectList : "\(resource.selectList), \(Self.sortExpression(resource, sort.column))"
        return SQLFragment("SELECT \(select) FROM \(table) t WHERE \(conditions.sql) ORDER BY \(orderBy) LIMIT ?",
                           conditions.arguments + [.int(Int64(limit + 1))])
    }

    var count: SQLFragment {
        let conditions = self.conditions
        return SQLFragment("SELECT COUNT(*) FROM \(table) t WHERE \(conditions.sql)", conditions.arguments)
    }

    /// Group-by counts, largest first. 10,000 groups bounds a response over a high-cardinality field.
    var groups: SQLFragment {
        let conditions = self.conditions
        let columns = groupBy.map { Self.column($0.name) }.joined(separator: ", ")
        let positions = groupBy.indices.map { String($0 + 1) }.joined(separator: ", ")
        return SQLFragment("SELECT \(columns), COUNT(*) AS count FROM \(table) t WHERE \(conditions.sql) GROUP BY \(positions) ORDER BY count DESC, \(groupBy.indices.map { "\($0 + 1)\(dialect.nullsLowest(descending: false))" }.joined(separator: ", ")) LIMIT 10000",
                           conditions.arguments)
    }
}
