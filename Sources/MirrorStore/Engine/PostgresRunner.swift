import Foundation
import GRDB
import IntercomAPI
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Why a PostgreSQL statement failed: the server's SQLSTATE and message (never the bound values).
public struct PostgresStoreError: Error, CustomStringConvertible {
    public let sqlState: String?
    public let message: String

    public var description: String { "PostgreSQL \(sqlState ?? "error"): \(message)" }

    /// SQLSTATE 57014: `statement_timeout` cancelled the statement.
    public var isTimeout: Bool { sqlState == "57014" }

    /// The server could not be reached or would not take the connection (refused, lost, shutting down, too many
    /// connections, not accepting connections), as opposed to a statement it refused: the mirror is unavailable for now.
    public var isUnavailable: Bool {
        guard let sqlState else { return true }
        return connecting || ["08", "53", "57P"].contains { sqlState.hasPrefix($0) }
    }

    /// Whether it failed while connecting.
    let connecting: Bool

    /// The connection closed under a statement that never got its answer (see `PostgresRunner.answer(_:)`).
    static let lost = PostgresStoreError(sqlState: "08006", message: "the connection closed before the server answered")

    private init(sqlState: String, message: String) {
        self.sqlState = sqlState
        self.message = message
        connecting = false
    }

    init(_ error: any Error, connecting: Bool = false) {
        if let error = error as? PostgresStoreError {
            self = error
            return
        }
        self.connecting = connecting
        if let error = error as? PSQLError {
            sqlState = error.serverInfo?[.sqlState]
            message = error.serverInfo?[.message] ?? "\(error.code)"
        } else if case let PostgresError.server(server)? = error as? PostgresError {  // the prepared-statement path's errors
            sqlState = server.fields[.sqlState]
            message = server.fields[.message] ?? "\(server)"
        } else {
            sqlState = nil
            message = "\(error)"
        }
    }
}

/// `SQLRunner` over one PostgreSQL connection. It blocks its thread on each statement, so it only runs on the
/// engine's own dispatch queues, never on an event loop or the cooperative pool. Values are sent as text of no
/// declared type, as `psql` sends them, so PostgreSQL types each from where it stands (a column, a comparison); the
/// store's statements, written once for both engines, bind the same values on both.
///
/// In a write transaction, statements that return nothing are pipelined: sent without waiting for their answer, so a
/// batch of upserts costs one round trip per few hundred statements instead of one each. The server runs them in order;
/// the first failure surfaces at the next read, the next wait or COMMIT (`drain`), and fails the transaction.
///
/// With `statements` (the writer's), each pipelined statement with parameters is prepared once per connection and then
/// only bound and executed: the server parsed and planned every upsert of a sync afresh, most of its time.
struct PostgresRunner: SQLRunner {
    let connection: PostgresConnection
    let logger: Logger
    /// Answers not yet waited for; nil runs every statement to its answer (reads).
    let pipeline: Pipeline?
    /// The connection's prepared statements; nil sends every statement unnamed.
    let statements: PreparedStatements?
    /// Counts the rows the combiner sends per table (the writer's).
    let growth: PostgresTableGrowth?

    init(connection: PostgresConnection, logger: Logger, pipelined: Bool = false, statements: PreparedStatements? = nil,
         growth: PostgresTableGrowth? = nil) {
        self.connection = connection
        self.logger = logger
        pipeline = pipelined ? Pipeline() : nil
        self.statements = statements
        self.growth = growth
    }

    /// Statements sent and not yet answered, and the writes held back to be sent many rows at a time.
    final class Pipeline {
        var pending: [EventLoopFuture<Void>] = []
        /// Made at the first write held: readers are pipelined too, and never hold one.
        lazy var combiner = PostgresWriteCombiner()
    }

    /// Statements in flight at most before the oldest are waited for: bounds the memory of a long batch.
    static let pipelineDepth = 512

    var dialect: any SQLDialect { PostgresDialect() }
    var sqlite: Database? { nil }

    func execute(_ sql: String, _ values: [DatabaseValue]) throws {
        guard let pipeline else { return _ = try query(sql, values) }
        if statements != nil {  // the writer's transaction
            if let insert = PostgresWriteCombiner.inserts[sql], values.count == insert.width {
                pipeline.combiner.insert(insert, values)
                if pipeline.combiner.count >= PostgresWriteCombiner.limit { try sendHeld() }
                return
            }
            if values.count == 1, let delete = PostgresWriteCombiner.deletes[sql] {
                pipeline.combiner.delete(delete, values[0])
                return
            }
        }
        try sendHeld()
        try enqueue(sql, values)
    }

    /// Sends the writes the combiner held, in order, before whatever runs next.
    private func sendHeld() throws {
        guard statements != nil, let pipeline, !pipeline.combiner.isEmpty else { return }
        for (sql, values) in pipeline.combiner.take(counting: growth) { try enqueue(sql, values) }
    }

    /// Sends one statement without waiting for its answer: prepared when it can be.
    private func enqueue(_ sql: String, _ values: [DatabaseValue]) throws {
        guard let pipeline else { return _ = try query(sql, values) }
        if !values.isEmpty, let statements, let prepared = try prepared(sql, in: statements),
           let binds = PreparedStatements.binds(values, types: prepared.types) {
            pipeline.pending.append(prepared.query.execute(binds).map { _ in })
        } else {
            pipeline.pending.append(send(sql, values).map { _ in })
        }
        if pipeline.pending.count >= Self.pipelineDepth { try drain() }
    }

    /// `sql` prepared on this connection, preparing it the first time; nil when a parameter's type has no binary form
    /// here (the statement is then always sent unnamed, as text).
    private func prepared(_ sql: String, in statements: PreparedStatements) throws -> PreparedStatements.Entry? {
        if let known = statements.entries[sql] { return known }
        // Whatever failed before this statement would fail the preparation too and be taken for its own fault.
        try drain()
        let entry: PreparedStatements.Entry?
        do {
            let text = Self.numbered(sql)
            let query = try answer(connection.prepare(query: text))
            // The types the server inferred for the parameters (the protocol's answer to the preparation is not kept).
            let listed = try self.query("SELECT parameter_types::oid[]::text FROM pg_prepared_statements WHERE statement = ? LIMIT 1",
                                        [text.databaseValue])
            let types = listed.rows.first.flatMap { row in row.first.flatMap { try? $0.decode(String.self) } }
                .map { PreparedStatements.oids($0) } ?? []
            if !types.isEmpty, types.allSatisfy(PreparedStatements.encodable.contains) {
                entry = PreparedStatements.Entry(query: query, types: types)
            } else {
                _ = try? answer(query.deallocate())
                entry = nil
            }
        } catch {
            throw PostgresStoreError(error)
        }
        statements.entries[sql] = entry
        return entry
    }

    /// Waits for every pipelined statement; throws the first failure.
    func drain() throws {
        try sendHeld()
        guard let pipeline, !pipeline.pending.isEmpty else { return }
        let pending = pipeline.pending
        pipeline.pending = []
        var failure: (any Error)?
        for future in pending {
            do { try answer(future) } catch { if failure == nil { failure = error } }
        }
        if let failure { throw PostgresStoreError(failure) }
    }

    func rows(_ sql: String, _ values: [DatabaseValue], limit: Int) throws -> [[StoreValue]] {
        var rows: [[StoreValue]] = []
        for row in try query(sql, values).rows {
            if rows.count == limit { break }
            rows.append(row.map(Self.value))
        }
        return rows
    }

    func namedRows(_ sql: String, _ values: [DatabaseValue]) throws -> [NamedRow] {
        try query(sql, values).rows.map { row in
            NamedRow(Dictionary(row.map { ($0.columnName, Self.value($0)) }, uniquingKeysWith: { a, _ in a }))
        }
    }

    /// Runs one statement to its answer. It is sent before the pipelined ones are waited for: the server answers in
    /// order, so a transaction's BEGIN and settings cost no round trip of their own; an earlier failure is the one
    /// thrown (this statement then fails too, in the aborted transaction).
    private func query(_ sql: String, _ values: [DatabaseValue]) throws -> PostgresQueryResult {
        try sendHeld()
        let answer = send(sql, values)
        try drain()
        do {
            return try self.answer(answer)
        } catch {
            throw PostgresStoreError(error)
        }
    }

    /// Waits for `future`, the answer to a statement sent on this connection.
    ///
    /// A connection that closed under statements in flight did not always fail them: when the server vanished, a read
    /// on a replica waited for its answer for good, and SIGTERM with it (graceful shutdown waits for the sync's current
    /// transaction). So the wait looks at the connection every second, and once it has closed, gives the statement
    /// `closedGrace` more to fail on its own before failing it as lost. A long statement on an open connection is
    /// waited for as before (`statement_timeout` bounds reads).
    @discardableResult
    func answer<T>(_ future: EventLoopFuture<T>) throws -> T {
        let answer = Answer<T>()
        future.whenComplete { result in
            answer.result = result
            answer.done.signal()
        }
        while answer.done.wait(timeout: .now() + .seconds(1)) == .timedOut {
            guard connection.isClosed else { continue }
            if answer.done.wait(timeout: .now() + Self.closedGrace) == .timedOut { throw PostgresStoreError.lost }
            break
        }
        return try answer.result!.get()
    }

    /// A statement's answer, set on the event loop before `done` is signalled and read after the wait for it.
    private final class Answer<T>: @unchecked Sendable {
        var result: Result<T, any Error>?
        let done = DispatchSemaphore(value: 0)
    }

    /// How long a statement on a closed connection may still take to fail by itself.
    static let closedGrace: DispatchTimeInterval = .seconds(2)

    /// Sends a statement whose answer nobody waits for (a read-only transaction's COMMIT): the connection answers it
    /// before the next statement sent on it.
    func post(_ sql: String) {
        _ = send(sql, [])
    }

    private func send(_ sql: String, _ values: [DatabaseValue]) -> EventLoopFuture<PostgresQueryResult> {
        var binds = PostgresBindings(capacity: values.count)
        for value in values {
            switch value.storage {
            case .null: binds.appendNull()
            case let .int64(n): binds.append(Untyped(text: String(n)))
            case let .double(x): binds.append(Untyped(text: String(x)))
            case let .string(s): binds.append(Untyped(text: s))
            case let .blob(data): binds.append(Untyped(text: String(decoding: data, as: UTF8.self)))
            }
        }
        return connection.query(PostgresQuery(unsafeSQL: Self.numbered(sql), binds: binds), logger: logger)
    }

    /// `sql` with its `?` placeholders numbered `$1`, `$2`, ... (none inside quoted text or names), cached: the
    /// store's statements are a few hundred fixed strings.
    static func numbered(_ sql: String) -> String {
        if let done = renders.withLock({ $0[sql] }) { return done }
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var n = 0
        var quote: Character?
        for c in sql {
            if let q = quote {
                if c == q { quote = nil }
                out.append(c)
            } else if c == "'" || c == "\"" {
                quote = c
                out.append(c)
            } else if c == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(c)
            }
        }
        renders.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[sql] = out
        }
        return out
    }

    private static let renders = Mutex<[String: String]>([:])

    /// A result cell as a store value: integers, floating point and numeric as numbers, booleans as 0/1 (as SQLite
    /// holds them), text and JSON as text.
    static func value(_ cell: PostgresCell) -> StoreValue {
        guard var bytes = cell.bytes else { return .null }
        if cell.format == .text { return .text(bytes.readString(length: bytes.readableBytes) ?? "") }
        switch cell.dataType {
        case .int2: return bytes.readInteger(as: Int16.self).map { .int(Int64($0)) } ?? .null
        case .int4: return bytes.readInteger(as: Int32.self).map { .int(Int64($0)) } ?? .null
        case .int8: return bytes.readInteger(as: Int64.self).map { .int($0) } ?? .null
        case .float8: return bytes.readInteger(as: UInt64.self).map { .double(Double(bitPattern: $0)) } ?? .null
        case .float4: return bytes.readInteger(as: UInt32.self).map { .double(Double(Float(bitPattern: $0))) } ?? .null
        case .bool: return bytes.readInteger(as: UInt8.self).map { .int($0 == 0 ? 0 : 1) } ?? .null
        case .numeric:
            guard let decimal = try? cell.decode(Decimal.self) else { return .null }
            let double = NSDecimalNumber(decimal: decimal).doubleValue
            return double.rounded() == double && abs(double) < 9e15 ? .int(Int64(double)) : .double(double)
        case .jsonb:
            _ = bytes.readInteger(as: UInt8.self)  // jsonb's binary form is a version byte, then the text
            // jsonb prints `{"a": 1}`; re-encoded compactly it reads as SQLite's copy of Intercom's JSON does (only the
            // key order is jsonb's own).
            let text = bytes.readBytes(length: bytes.readableBytes) ?? []
            return .text((try? JSON.parse(text))?.text ?? String(decoding: text, as: UTF8.self))
        default:
            return .text(bytes.readString(length: bytes.readableBytes) ?? "")
        }
    }
}

/// A bound value sent as text with no declared type (OID 0): the server infers it from the statement.
struct Untyped: PostgresDynamicTypeEncodable {
    let text: String

    var psqlType: PostgresDataType { PostgresDataType(0) }
    var psqlFormat: PostgresFormat { .text }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeString(text)
    }
}

/// One connection's prepared statements, by the store's SQL text. Only the writer's queue touches it, one transaction
/// at a time. Values are bound in binary, as the types the server inferred for the parameters at preparation.
final class PreparedStatements: @unchecked Sendable {
    struct Entry {
        let query: PreparedQuery
        let types: [UInt32]
    }

    /// Known statements; nil marks one that is sent unnamed.
    var entries: [String: Entry?] = [:]

    /// The parameter types whose binary form `binds` writes: text, varchar, bigint, integer, double, jsonb, boolean.
    static let encodable: Set<UInt32> = [25, 1043, 20, 23, 701, 3802, 16]

    /// `{25,20}` as OIDs.
    static func oids(_ text: String) -> [UInt32] {
        text.trimmingCharacters(in: CharacterSet(charactersIn: "{}")).split(separator: ",").compactMap { UInt32($0) }
    }

    /// `values` in binary for parameters of `types`; nil when one does not convert exactly (that execution goes as
    /// text, so PostgreSQL judges it as it always did).
    static func binds(_ values: [DatabaseValue], types: [UInt32]) -> [PostgresData]? {
        guard values.count == types.count else { return nil }
        // One buffer for the statement's values, each bind a slice of it: a buffer per value cost a multi-row upsert
        // thousands of allocations.
        var buffer = ByteBufferAllocator().buffer(capacity: values.count * 16)
        var ranges: [(start: Int, length: Int)?] = []
        ranges.reserveCapacity(values.count)
        for (value, type) in zip(values, types) {
            if value.isNull {
                ranges.append(nil)
                continue
            }
            let start = buffer.writerIndex
            guard write(value, type: type, into: &buffer) else { return nil }
            ranges.append((start, buffer.writerIndex - start))
        }
        var binds: [PostgresData] = []
        binds.reserveCapacity(values.count)
        for (range, type) in zip(ranges, types) {
            binds.append(PostgresData(type: PostgresDataType(type), value: range.flatMap { buffer.getSlice(at: $0.start, length: $0.length) }))
        }
        return binds
    }

    /// Writes `value` in the binary form of `type`; false when it has none here or the value does not convert exactly.
    private static func write(_ value: DatabaseValue, type: UInt32, into buffer: inout ByteBuffer) -> Bool {
        switch (value.storage, type) {
        case let (.int64(n), 20): buffer.writeInteger(n)
        case let (.int64(n), 23):
            guard let small = Int32(exactly: n) else { return false }
            buffer.writeInteger(small)
        case let (.int64(n), 16):
            guard n == 0 || n == 1 else { return false }
            buffer.writeInteger(UInt8(n))
        case let (.int64(n), 701): buffer.writeInteger(Double(n).bitPattern)
        case let (.double(x), 701): buffer.writeInteger(x.bitPattern)
        case let (.double(x), 20):
            guard let n = Int64(exactly: x) else { return false }
            buffer.writeInteger(n)
        case let (.int64(n), 25), let (.int64(n), 1043): buffer.writeString(String(n))
        case let (.double(x), 25), let (.double(x), 1043): buffer.writeString(String(x))
        case let (.string(s), 25), let (.string(s), 1043): buffer.writeString(s)
        case let (.blob(data), 25), let (.blob(data), 1043): buffer.writeBytes(data)
        case let (.string(s), 3802):
            buffer.writeInteger(UInt8(1))  // jsonb's binary form: a version byte, then the text
            buffer.writeString(s)
        case let (.blob(data), 3802):
            buffer.writeInteger(UInt8(1))
            buffer.writeBytes(data)
        default: return false
        }
        return true
    }
}
