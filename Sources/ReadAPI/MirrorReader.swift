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
                if let box { box.store(try Self.generation(db)) }
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
            if let parent, try !Self.exists(db, parent.resource, id: parent.id) {
                throw APIError.notFound(parent.resource.singular, parent.id)
            }
            var rows = try Row.fetchAll(db.cachedStatement(sql: sql.sql), arguments: StatementArguments(sql.arguments))
                .map { Array($0.databaseValues) }
            let total = try count.map { try Int.fetchOne(db.cachedStatement(sql: $0.sql), arguments: StatementArguments($0.arguments)) ?? 0 }
            guard rows.count > limit else { return Page(rows: rows, next: nil, total: total) }
            rows.removeLast()
            let last = rows[rows.count - 1]
            let next = Cursor(sort: sort, value: last[sortIndex], id: String.fromDatabaseValue(last[idIndex]) ?? "")
            return Page(rows: rows, next: next, total: total)
        }
    }

    static func exists(_ db: Database, _ resource: ReadResource, id: String) throws -> Bool {
        let table = Schema.quotedName(resource.table.name)
        if let scope = resource.scope {
            return try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM \(table) t WHERE t.id = ? AND \(scope.sql)"),
                                     arguments: [id, scope.value]) ?? false
        }
        return try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM \(table) t WHERE t.id = ?"), arguments: [id]) ?? false
    }

    func groups(_ plan: ListPlan) async throws -> [JSON] {
        let sql = plan.groups
        let columns = plan.query.groupBy
        let parent = plan.parent
        return try await timed { db in
            if let parent, try !Self.exists(db, parent.resource, id: parent.id) {
                throw APIError.notFound(parent.resource.singular, parent.id)
            }
            return try Row.fetchAll(db.cachedStatement(sql: sql.sql), arguments: StatementArguments(sql.arguments)).map { row in
                .object(columns.enumerated().map { index, column in (column.name, RowEncoder.value(row[index] ?? .null, kind: column.kind)) }
                        + [("count", .int(row["count"] ?? 0))])
            }
        }
    }

    /// One item's values in the resource's column order.
    func item(_ resource: ReadResource, id: String) async throws -> [DatabaseValue]? {
        let table = Schema.quotedName(resource.table.name)
        let columns = resource.fields.map { ListPlan.column($0.name) }.joined(separator: ", ")
        var sql = "SELECT \(columns) FROM \(table) t WHERE t.id = ?"
        var arguments: [DatabaseValue] = [id.databaseValue]
        if let scope = resource.scope {
            sql += " AND \(scope.sql)"
            arguments.append(scope.value.databaseValue)
        }
        let query = sql, values = arguments
        return try await timed { db in
            try Row.fetchOne(db.cachedStatement(sql: query), arguments: StatementArguments(values)).map { Array($0.databaseValues) }
        }
    }

    /// The write generation and when it last changed, for ETag and Last-Modified. A one-row read needs no budget.
    func generation() async throws -> MirrorGeneration {
        try await store.pool.read { db in try Self.generation(db) }
    }

    static func generation(_ db: Database) throws -> MirrorGeneration {
        let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT generation, changed_at FROM mirror_generation"))
        return MirrorGeneration(generation: row?["generation"] ?? 0, changedAt: row?["changed_at"] ?? 0)
    }
}
