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
    var isTimeout: Bool { sqlState == "57014" }

    init(_ error: any Error) {
        if let error = error as? PostgresStoreError {
            self = error
        } else if let error = error as? PSQLError {
            sqlState = error.serverInfo?[.sqlState]
            message = error.serverInfo?[.message] ?? "\(error.code)"
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
struct PostgresRunner: SQLRunner {
    let connection: PostgresConnection
    let logger: Logger
    /// Answers not yet waited for; nil runs every statement to its answer (reads).
    let pipeline: Pipeline?

    init(connection: PostgresConnection, logger: Logger, pipelined: Bool = false) {
        self.connection = connection
        self.logger = logger
        pipeline = pipelined ? Pipeline() : nil
    }

    /// Statements sent and not yet answered.
    final class Pipeline {
        var pending: [EventLoopFuture<PostgresQueryResult>] = []
    }

    /// Statements in flight at most before the oldest are waited for: bounds the memory of a long batch.
    static let pipelineDepth = 512

    var dialect: any SQLDialect { PostgresDialect() }
    var sqlite: Database? { nil }

    func execute(_ sql: String, _ values: [DatabaseValue]) throws {
        guard let pipeline else { return _ = try query(sql, values) }
        pipeline.pending.append(send(sql, values))
        if pipeline.pending.count >= Self.pipelineDepth { try drain() }
    }

    /// Waits for every pipelined statement; throws the first failure.
    func drain() throws {
        guard let pipeline, !pipeline.pending.isEmpty else { return }
        let pending = pipeline.pending
        pipeline.pending = []
        var failure: (any Error)?
        for future in pending {
            do { _ = try future.wait() } catch { if failure == nil { failure = error } }
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

    private func query(_ sql: String, _ values: [DatabaseValue]) throws -> PostgresQueryResult {
        try drain()
        do {
            return try send(sql, values).wait()
        } catch {
            throw PostgresStoreError(error)
        }
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
