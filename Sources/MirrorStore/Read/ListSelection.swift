/// The filter operators of `field__op=value`.
public enum FilterOperator: String, CaseIterable, Sendable {
    case eq, ne, gt, gte, lt, lte, `in`, contains, startswith, isnull
}

/// What a filter compares: a catalog column, or one key of a keyed JSON column (`custom_attributes`).
public enum FilterTarget: Equatable, Sendable {
    case column(name: String, kind: ColumnKind)
    case jsonKey(column: String, key: String)
    /// A column of a table keyed by the item's id (`metrics.time_to_first_response`: `conversation_metrics`).
    case joined(table: String, key: String, column: String, kind: ColumnKind)

    /// The column's kind; nil for a JSON key, whose values are of mixed types.
    public var kind: ColumnKind? {
        switch self {
        case let .column(_, kind), let .joined(_, _, _, kind): kind
        case .jsonKey: nil
        }
    }
}

/// One parsed filter, its values already converted to the column's type. `contains` and `startswith` take a LIKE
/// pattern with `\` as the escape; `isnull` takes one boolean.
public struct Filter: Sendable {
    public let target: FilterTarget
    public let op: FilterOperator
    public let values: [StoreValue]

    public init(target: FilterTarget, op: FilterOperator, values: [StoreValue]) {
        self.target = target
        self.op = op
        self.values = values
    }
}

/// An opaque keyset position: the sort it belongs to and the sort value and id of the last item served. The next page
/// starts strictly after that item, so rows the sync inserts or deletes meanwhile never shift or repeat a page.
public struct Cursor: Equatable, Sendable {
    public let sort: SortKey
    /// The last item's sort value (`.null` when it was NULL) and id.
    public let value: StoreValue
    public let id: String

    public init(sort: SortKey, value: StoreValue, id: String) {
        self.sort = sort
        self.value = value
        self.id = id
    }
}

/// A narrowing of a list to the items related to one parent (`/contacts/{id}/conversations`): a catalog relation
/// with the parent id as its only bound value.
public struct Relation: Sendable {
    public let spec: RelationSpec
    public let parent: ReadResource
    public let parentID: String

    public init(spec: RelationSpec, parent: ReadResource, parentID: String) {
        self.spec = spec
        self.parent = parent
        self.parentID = parentID
    }
}
