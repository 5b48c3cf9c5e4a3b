import Foundation
import GRDB
import IntercomAPI
import MirrorStore

/// The read side of the mirror: every query of the API goes through here, on the pool's readers (WAL snapshots,
/// never waiting for the sync's writer), each under a time budget.
public struct MirrorReader: Sendable {
    public let store: MirrorDatabase
    /// About a second: past it a query is interrupted and answered with 503 `query_timeout`, so one heavy request
    /// cannot hold a reader connection and a client's socket indefinitely.
    public let budget: Duration

    public init(store: MirrorDatabase, budget: Duration = .seconds(1)) {
        self.store = store
        self.budget = budget
    }

    /// Runs `body` on a reader, under the budget: SQLite's progress handler checks the deadline every few thousand
    /// virtual-machine steps and interrupts the statement past it. No timer task per query: a point read stays one
    /// hop to a reader connection and back. The request's write generation is read in the same snapshot.
    public func timed<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let nanoseconds = UInt64(budget.components.seconds) * 1_000_000_000 + UInt64(budget.components.attoseconds / 1_000_000_000)
        let box = RequestGeneration.box
        do {
            return try await store.pool.read { db in
                let value = try QueryDeadline.run(db, nanoseconds: nanoseconds) { try body(db) }
                if let box { box.store(try MirrorGeneration.current(db)) }
                return value
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_INTERRUPT {
            throw APIError.queryTimeout
        }
    }

    /// One page of a list, each row's values in the resource's column order, the cursor of the next, if any, and
    /// the total when asked for.
    struct Page: Sendable {
        let rows: [[DatabaseValue]]
        let next: Cursor?
        var total: Int?
    }

    /// A page, its parent's existence check and its count in one read: one snapshot, one reader hop, one timer.
    func page(_ plan: ListPlan, after cursor: Cursor?, limit: Int, counting: Bool = false) async throws -> Page {
        let sql = plan.page(after: cursor, limit: limit)
        let count = counting ? plan.count : nil
        let parent = plan.parent
        let sort = plan.query.sort
        let columns = plan.resource.fields.map(\.name)
        let sortIndex = columns.firstIndex(of: sort.column) ?? 0, idIndex = columns.firstIndex(of: "id") ?? 0
        return try await timed { db in
            try Self.requireParent(parent, db)
            var rows = try Row.fetchAll(db.bound(sql.sql, sql.arguments))
                .map { Array($0.databaseValues) }
            let total = try count.map { try Int.fetchOne(db.bound($0.sql, $0.arguments)) ?? 0 }
            guard rows.count > limit else { return Page(rows: rows, next: nil, total: total) }
            rows.removeLast()
            let last = rows[rows.count - 1]
            let next = Cursor(sort: sort, value: last[sortIndex], id: String.fromDatabaseValue(last[idIndex]) ?? "")
            return Page(rows: rows, next: next, total: total)
        }
    }

    /// A relation list's parent must exist: 404, not an empty list, for `/contacts/nobody/notes`.
    static func requireParent(_ parent: (resource: ReadResource, id: String)?, _ db: Database) throws {
        guard let (resource, id) = parent else { return }
        let match = resource.matching(id: id)
        let sql = "SELECT 1 FROM \(Schema.quotedName(resource.table.name)) t WHERE \(match.sql)"
        guard try Bool.fetchOne(db.bound(sql, match.arguments)) == true else {
            throw APIError.notFound(resource.singular, id)
        }
    }

    func groups(_ plan: ListPlan) async throws -> [JSON] {
        let sql = plan.groups
        let columns = plan.query.groupBy
        let parent = plan.parent
        return try await timed { db in
            try Self.requireParent(parent, db)
            return try Row.fetchAll(db.bound(sql.sql, sql.arguments)).map { row in
                .object(columns.enumerated().map { index, column in (column.name, RowEncoder.value(row[index] ?? .null, kind: column.kind)) }
                        + [("count", .int(row["count"] ?? 0))])
            }
        }
    }

    /// One item's values in the resource's column order.
    func item(_ resource: ReadResource, id: String) async throws -> [DatabaseValue]? {
        let match = resource.matching(id: id)
        let sql = "SELECT \(ListPlan.columns(resource)) FROM \(Schema.quotedName(resource.table.name)) t WHERE \(match.sql)"
        return try await timed { db in
            try Row.fetchOne(db.bound(sql, match.arguments)).map { Array($0.databaseValues) }
        }
    }

    /// The write generation and when it last changed, for ETag and Last-Modified. A one-row read needs no budget.
    func generation() async throws -> MirrorGeneration {
        try await store.pool.read { db in try MirrorGeneration.current(db) }
    }
}
