import GRDB
import MirrorStore

/// A list the read API serves: a catalog table, optionally narrowed (users are contacts whose role is user).
/// Its allowlists (fields, filters, sorts, group-bys) all come from the catalog's columns.
public struct ReadResource: Sendable {
    /// The URL segment: `contacts`, `users`, `conversations`…
    public let name: String
    /// What one item is called in messages: `contact`, `user`…
    public let singular: String
    public let table: TableSpec
    /// A constant condition that narrows the table, with its bound value (never request text).
    let scope: (sql: String, value: String)?
    /// The order of a list when `sort` is not given.
    public let defaultSort: SortKey
    /// The select list of its columns over `t`, in the order rows are decoded (`Projection` indexes into it): built
    /// once, not on every request.
    let selectList: String

    init(_ name: String, _ singular: String, table: String, scope: (sql: String, value: String)? = nil,
         defaultSort: SortKey = SortKey(column: "id", descending: false)) {
        self.name = name
        self.singular = singular
        self.table = Catalog.table(table)
        self.scope = scope
        self.defaultSort = defaultSort
        selectList = self.table.columns.map { ListPlan.column($0.name) }.joined(separator: ", ")
    }

    /// Columns served in each item, in catalog order.
    public var fields: [ColumnSpec] { table.columns }
    /// Columns that can be filtered, sorted and grouped: every scalar column (JSON columns are not comparable).
    public var filterable: [ColumnSpec] { table.columns.filter { $0.kind != .json } }
    /// The catalog's keyed JSON column (`custom_attributes`), whose keys are filters: `NAME.KEY=value`.
    public var keyedColumn: ColumnSpec? { table.columns.first(where: \.keyed) }

    /// `t.id = ?`, narrowed by the scope: a user id is not found under `/leads`.
    func matching(id: String) -> SQLFragment {
        guard let scope else { return SQLFragment("t.id = ?", [id.databaseValue]) }
        return SQLFragment("t.id = ? AND \(scope.sql)", [id.databaseValue, scope.value.databaseValue])
    }

    func field(_ name: String) -> ColumnSpec? { fields.first { $0.name == name } }
    func filterableColumn(_ name: String) -> ColumnSpec? { filterable.first { $0.name == name } }

    // MARK: - The served resources

    static let contacts = ReadResource("contacts", "contact", table: "contacts")
    static let users = ReadResource("users", "user", table: "contacts", scope: ("t.role = ?", "user"))
    static let leads = ReadResource("leads", "lead", table: "contacts", scope: ("t.role = ?", "lead"))
    static let companies = ReadResource("companies", "company", table: "companies")
    static let conversations = ReadResource("conversations", "conversation", table: "conversations")
    static let parts = ReadResource("conversation_parts", "conversation part", table: "conversation_parts",
                                    defaultSort: SortKey(column: "created_at", descending: false))
    static let admins = ReadResource("admins", "admin", table: "admins")
    static let teams = ReadResource("teams", "team", table: "teams")
    static let tags = ReadResource("tags", "tag", table: "tags")
    static let segments = ReadResource("segments", "segment", table: "segments")
    static let notes = ReadResource("notes", "note", table: "notes", defaultSort: SortKey(column: "created_at", descending: false))
    static let events = ReadResource("event_summaries", "event summary", table: "event_summaries")
    static let dataAttributes = ReadResource("data_attributes", "data attribute", table: "data_attributes")
    static let articles = ReadResource("articles", "article", table: "articles")

    /// Every resource, for the OpenAPI document's schemas.
    public static let all: [ReadResource] = [contacts, users, leads, companies, conversations, parts, admins, teams, tags,
                                             segments, notes, events, dataAttributes, articles]
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
    var text: String { (descending ? "-" : "") + column }
}

/// A narrowing of a list to the items related to one parent (`/contacts/{id}/conversations`): constant SQL with the
/// parent id as its only bound value.
struct Relation: Sendable {
    let sql: String
    let parent: ReadResource
    let parentID: String
}
