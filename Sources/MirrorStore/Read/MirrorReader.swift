import GRDB
import IntercomAPI
import Synchronization

/// Why a read of the mirror did not answer: the read API turns each into its HTTP error.
public enum ReadError: Error, Equatable {
    /// The query ran past its budget and was interrupted.
    case queryTimeout
    /// The item (or a relation list's parent) is not in the mirror.
    case notFound(singular: String, id: String)
    /// The mirror's database (PostgreSQL) did not answer: unreachable, restarting, or refusing connections.
    case databaseUnavailable
}

/// The read side of the mirror: every query of the API goes through here, on WAL snapshots that never wait for the
/// sync's writer, each under a time budget (see `timed` for which thread runs it).
public struct MirrorReader: Sendable {
    public let store: MirrorDatabase
    /// About a second: past it a query is interrupted and answered with 503 `query_timeout`, so one heavy request
    /// cannot hold a reader connection and a client's socket indefinitely.
    public let budget: Duration
    /// The budget of the fixed-shape aggregates behind `/counts`, `/sync` and `/metrics`. They count whole tables, so
    /// they grow with the mirror and no request can narrow them: under the request budget, the first `/sync` after a
    /// restart of a 100k-contact mirror (cold page cache) answered 503.
    public let statusBudget: Duration
    /// How long a read may run on the calling thread before it moves to a reader thread (see `timed`).
    let inlineBudget: Duration
    let inlineReaders: InlineReaders
    /// `/sync`'s figures read from the mirror, kept for the generation they were read at (see `syncStatus`).
    let statusSnapshot = StatusSnapshot()

    public init(store: MirrorDatabase, budget: Duration = .seconds(1), statusBudget: Duration = .seconds(30),
                inlineBudget: Duration = .milliseconds(3)) {
        self.store = store
        self.budget = budget
        self.statusBudget = max(statusBudget, budget)
        self.inlineBudget = min(inlineBudget, budget)
        inlineReaders = InlineReaders(path: store.path)
    }

    /// How many reads ran on a reader thread because they ran past the inline budget or found no inline connection.
    public var movedReads: Int { inlineReaders.moved.load(ordering: .relaxed) }

    /// Runs `body` on a reader, under the budget: SQLite's progress handler checks the deadline every few thousand
    /// virtual-machine steps and interrupts the statement past it. No timer task per query. The request's write
    /// generation is read in the same snapshot.
    ///
    /// Most reads are index lookups that finish in microseconds, so they first run on the calling thread: handing
    /// them to a reader thread and back (through GRDB's one serial queue for async reads) cost more than the query.
    /// A read still running after `inlineBudget` is interrupted and run again on a reader thread under the full
    /// budget, so a heavy query never holds one of the few cooperative threads for long. Reads are pure, so running
    /// one twice changes nothing but the time it takes.
    /// `budget` replaces the request budget (the status aggregates pass `statusBudget`).
    /// Package-visible so tests can time a query of their own.
    package func timed<T: Sendable>(budget: Duration? = nil, _ body: @escaping @Sendable (any SQLRunner) throws -> T) async throws -> T {
        let box = RequestGeneration.box
        if let postgres = store.postgres {
            do {
                return try await postgres.read(budget: budget ?? self.budget) { sql in
                    let value = try body(sql)
                    if let box { box.store(try MirrorGeneration.current(sql)) }
                    return value
                }
            } catch let error as PostgresStoreError where error.isTimeout {
                throw ReadError.queryTimeout
            } catch let error as PostgresStoreError where error.isUnavailable {
                throw ReadError.databaseUnavailable
            }
        }
        if let value = try inline(body, box: box) { return value }
        inlineReaders.moved.add(1, ordering: .relaxed)
        let budget = budget ?? self.budget
        do {
            return try await store.read { db in try Self.run(body, db, budget: budget, box: box) }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_INTERRUPT {
            throw ReadError.queryTimeout
        }
    }

    /// `body` on the calling thread under `inlineBudget`, or nil when it ran past it or no inline connection was free.
    private func inline<T>(_ body: (any SQLRunner) throws -> T, box: GenerationBox?) throws -> T? {
        do {
            return try inlineReaders.read { db in try Self.run(body, db, budget: inlineBudget, box: box) }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_INTERRUPT {
            return nil
        }
    }

    /// `body` under `budget`, leaving the snapshot's write generation in `box`.
    private static func run<T>(_ body: (any SQLRunner) throws -> T, _ db: Database, budget: Duration, box: GenerationBox?) throws -> T {
        let value = try QueryDeadline.run(db, budget: budget) { try body(SQLiteRunner(db: db)) }
        if let box { box.store(try MirrorGeneration.current(db)) }
        return value
    }

    /// One page of a list, each row's values in the resource's column order, the cursor of the next, if any, and
    /// the total when asked for.
    public struct Page: Sendable {
        public let rows: [[StoreValue]]
        public let next: Cursor?
        public var total: Int?
    }

    /// A page, its parent's existence check and its count in one read: one snapshot, one reader hop, one timer.
    public func page(_ plan: ListPlan, after cursor: Cursor?, limit: Int, counting: Bool = false) async throws -> Page {
        let plan = plan.rendered(for: store.dialect)
        let sql = plan.page(after: cursor, limit: limit)
        let count = counting ? plan.count : nil
        let parent = plan.parent
        let sort = plan.sort
        let columns = plan.resource.fields.map(\.name)
        // A joined sort field is selected after the resource's columns.
        let sortIndex = columns.firstIndex(of: sort.column) ?? columns.count, idIndex = columns.firstIndex(of: "id") ?? 0
        return try await timed { db in
            try Self.requireParent(parent, db)
            var rows = try db.rows(sql)
            let total = try count.map { try db.rows($0, limit: 1).first?.first?.integer ?? 0 }
            guard rows.count > limit else { return Page(rows: rows, next: nil, total: total) }
            rows.removeLast()
            let last = rows[rows.count - 1]
            let next = Cursor(sort: sort, value: last[sortIndex], id: last[idIndex].string ?? "")
            return Page(rows: rows, next: next, total: total)
        }
    }

    /// A relation list's parent must exist: 404, not an empty list, for `/contacts/nobody/notes`.
    static func requireParent(_ parent: (resource: ReadResource, id: String)?, _ db: any SQLRunner) throws {
        guard let (resource, id) = parent else { return }
        let match = resource.matching(id: id)
        let sql = SQLFragment("SELECT 1 FROM \(Schema.quotedName(resource.table.name)) t WHERE \(match.sql)", match.arguments)
        guard try !db.rows(sql, limit: 1).isEmpty else {
            throw ReadError.notFound(singular: resource.singular, id: id)
        }
    }

    /// One group of a group-by count: the grouped columns' values, in the plan's order, and how many rows hold them.
    public struct GroupCount: Sendable {
        public let values: [StoreValue]
        public let count: Int
    }

    /// The plan's group-by counts, largest first.
    public func groups(_ plan: ListPlan) async throws -> [GroupCount] {
        let plan = plan.rendered(for: store.dialect)
        let sql = plan.groups
        let width = plan.groupBy.count
        let parent = plan.parent
        return try await timed { db in
            try Self.requireParent(parent, db)
            return try db.rows(sql).map { row in
                GroupCount(values: Array(row.prefix(width)), count: row[width].integer ?? 0)
            }
        }
    }

    /// One item's values in the resource's column order.
    public func item(_ resource: ReadResource, id: String) async throws -> [StoreValue]? {
        let match = resource.matching(id: id)
        let sql = SQLFragment("SELECT \(resource.selectList) FROM \(Schema.quotedName(resource.table.name)) t WHERE \(match.sql)",
                              match.arguments)
        return try await timed { db in try db.rows(sql, limit: 1).first }
    }

    /// What an item's embeds hold, in the resource's order: ids, or rows of their resource in its column order.
    public enum Embedded: Sendable {
        case ids([String])
        case rows(ReadResource, [[StoreValue]])
    }

    /// The embeds of item `id` of `resource` (a conversation's contacts, tags and parts), in one snapshot.
    public func embeds(of resource: ReadResource, id: String) async throws -> [(key: String, value: Embedded)] {
        let embeds = resource.embeds
        guard !embeds.isEmpty else { return [] }
        return try await timed { db in
            try embeds.map { embed in
                switch embed {
                case let .ids(key, table, owner, column):
                    let (c, t, o) = (Schema.quotedName(column), Schema.quotedName(table), Schema.quotedName(owner))
                    let rows = try db.rows(SQLFragment("SELECT \(c) FROM \(t) WHERE \(o) = ? ORDER BY \(c)", [.text(id)]))
                    return (key, .ids(rows.compactMap { $0.first?.string }))
                case let .rows(key, name, owner, order):
                    let child = ReadResource.named(name)
                    // Ties break on the child's key (`id`; a link table's whole key, as ticket links have no id).
                    let ties = child.table.primaryKey.map(ListPlan.column).joined(separator: ", ")
                    let sql = SQLFragment("""
                        SELECT \(child.selectList) FROM \(Schema.quotedName(child.table.name)) t
                        WHERE \(ListPlan.column(owner)) = ? ORDER BY \(ListPlan.column(order)), \(ties)
                        """, [.text(id)])
                    return (key, .rows(child, try db.rows(sql)))
                }
            }
        }
    }

    /// The write generation and when it last changed, for ETag and Last-Modified. A one-row read needs no budget.
    public func generation() async throws -> MirrorGeneration {
        if let postgres = store.postgres { return try await postgres.read { sql in try MirrorGeneration.current(sql) } }
        if let generation = try inlineReaders.read({ db in try MirrorGeneration.current(db) }) { return generation }
        return try await store.read { db in try MirrorGeneration.current(db) }
    }
}
