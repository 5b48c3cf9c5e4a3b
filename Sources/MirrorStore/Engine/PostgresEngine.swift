import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// The mirror in a PostgreSQL schema: one writer connection, whose transactions run one at a time on a queue of their
/// own (a batch and its checkpoint commit together, as on SQLite), and a small pool of reader connections, each read
/// one REPEATABLE READ transaction (one snapshot, like a WAL read) under `statement_timeout`.
final class PostgresEngine: Sendable {
    let location: PostgresLocation
    let logger: Logger
    /// The writer connection with the statements prepared on it.
    private let writer: Mutex<(connection: PostgresConnection, statements: PreparedStatements)?>
    private let writeQueue = DispatchQueue(label: "intercache.postgres.writer")
    private let readQueue = DispatchQueue(label: "intercache.postgres.readers", attributes: .concurrent)
    private let readers = Mutex<(free: [PostgresConnection], opened: Int, waiting: [CheckedContinuation<Void, Never>])>(([], 0, []))
    /// Reader connections at most: two cores' worth of queries in flight and some waiting on the network.
    static let maxReaders = 8
    private let ids = Atomic<Int>(0)

    private init(location: PostgresLocation, logger: Logger, writer: PostgresConnection) {
        self.location = location
        self.logger = logger
        self.writer = Mutex((writer, PreparedStatements()))
    }

    /// Connects, creates the schema if needed and runs the named migrations (under an advisory lock, so replicas
    /// starting together migrate once).
    static func open(_ location: PostgresLocation, logger: Logger) async throws -> PostgresEngine {
        let first = try await connect(location, id: 0, logger: logger)
        let engine = PostgresEngine(location: location, logger: logger, writer: first)
        do {
            try await engine.write { sql in try PostgresSchema.migrate(sql, schema: location.schema) }
        } catch {
            await engine.close()  // a connection released unclosed is a fault of its own
            throw error
        }
        return engine
    }

    /// A new connection whose `search_path` is the mirror's schema (and `public`, for extensions).
    static func connect(_ location: PostgresLocation, id: Int, logger: Logger) async throws -> PostgresConnection {
        var configuration = PostgresConnection.Configuration(host: location.host, port: location.port, username: location.user,
                                                             password: location.password, database: location.database, tls: .disable)
        configuration.options.additionalStartupParameters = [
            ("search_path", "\"\(location.schema)\", public"), ("application_name", "intercache"),
        ]
        do {
            let connection = try await PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.any(),
                                                                  configuration: configuration, id: id, logger: logger).get()
            return connection
        } catch {
            throw PostgresStoreError(error, connecting: true)
        }
    }

    // MARK: - Writes

    /// Runs `body` in one transaction on the writer connection; statements run in order, one transaction at a time.
    func write<T: Sendable>(_ body: @escaping @Sendable (PostgresRunner) throws -> T) async throws -> T {
        let (connection, statements) = try await writerConnection()
        let logger = self.logger
        return try await withCheckedThrowingContinuation { continuation in
            writeQueue.async {
                let sql = PostgresRunner(connection: connection, logger: logger, pipelined: true, statements: statements)
                continuation.resume(with: Result { try Self.transaction(sql, begin: "BEGIN", body) })
            }
        }
    }

    /// The writer connection, opened again (with no statements prepared) if the server closed it.
    private func writerConnection() async throws -> (PostgresConnection, PreparedStatements) {
        if let open = writer.withLock({ $0 }), !open.connection.isClosed { return open }
        let connection = try await Self.connect(location, id: ids.add(1, ordering: .relaxed).newValue, logger: logger)
        let statements = PreparedStatements()
        writer.withLock { $0 = (connection, statements) }
        return (connection, statements)
    }

    /// `body` between `begin` and COMMIT, rolled back if it throws.
    /// A read-only transaction's COMMIT is not waited for (it has nothing to make durable, and the connection answers it
    /// before the next transaction's first statement).
    static func transaction<T>(_ sql: PostgresRunner, begin: String, readOnly: Bool = false, _ body: (PostgresRunner) throws -> T) throws -> T {
        try sql.execute(begin, [])
        do {
            let result = try body(sql)
            try sql.drain()
            if readOnly { sql.post("COMMIT") } else { _ = try sql.rows("COMMIT", [], limit: 0) }
            return result
        } catch {
            try? sql.drain()
            _ = try? sql.rows("ROLLBACK", [], limit: 0)
            throw error
        }
    }

    // MARK: - Reads

    /// Runs `body` in a read-only REPEATABLE READ transaction on a pooled reader, cancelled past `budget`.
    func read<T: Sendable>(budget: Duration? = nil, _ body: @escaping @Sendable (PostgresRunner) throws -> T) async throws -> T {
        let connection = try await takeReader()
        let logger = self.logger
        let timeout = budget.map { max(1, Int($0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000)) }
        do {
            let value = try await withCheckedThrowingContinuation { continuation in
                readQueue.async {
                    continuation.resume(with: Result {
                        // Pipelined: BEGIN and the time budget go out with the first query, in one round trip.
                        let sql = PostgresRunner(connection: connection, logger: logger, pipelined: true)
                        return try Self.transaction(sql, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", readOnly: true) { sql in
                            if let timeout { try sql.execute("SET LOCAL statement_timeout = \(timeout)", []) }
                            return try body(sql)
                        }
                    })
                }
            }
            giveBack(connection)
            return value
        } catch {
            giveBack(connection)
            throw error
        }
    }

    private enum Taken { case connection(PostgresConnection), open, wait }

    private func takeReader() async throws -> PostgresConnection {
        while true {
            let taken: Taken = readers.withLock { state in
                while let connection = state.free.popLast() {
                    if !connection.isClosed { return .connection(connection) }
                    state.opened -= 1
                }
                if state.opened < Self.maxReaders {
                    state.opened += 1
                    return .open
                }
                return .wait
            }
            switch taken {
            case let .connection(connection): return connection
            case .open:
                do {
                    return try await Self.connect(location, id: ids.add(1, ordering: .relaxed).newValue, logger: logger)
                } catch {
                    // The slot is free again: a read waiting for one tries now (it would otherwise wait for a connection
                    // to be given back, and with the server down none ever is).
                    let waiter = readers.withLock { state -> CheckedContinuation<Void, Never>? in
                        state.opened -= 1
                        return state.waiting.isEmpty ? nil : state.waiting.removeFirst()
                    }
                    waiter?.resume()
                    throw error
                }
            case .wait:
                await withCheckedContinuation { continuation in
                    let resumeNow = readers.withLock { state -> Bool in
                        if !state.free.isEmpty || state.opened < Self.maxReaders { return true }
                        state.waiting.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    private func giveBack(_ connection: PostgresConnection) {
        let waiter = readers.withLock { state -> CheckedContinuation<Void, Never>? in
            if connection.isClosed { state.opened -= 1 } else { state.free.append(connection) }
            return state.waiting.isEmpty ? nil : state.waiting.removeFirst()
        }
        waiter?.resume()
    }

    /// A connection must be closed before it is released; whatever `close()` did not close is closed here, and kept
    /// until it is (a close only starts one: released at once, the connection traps in its deinit).
    deinit {
        let connections = readers.withLock { $0.free } + [writer.withLock { $0?.connection }].compactMap { $0 }
        for connection in connections where !connection.isClosed {
            connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
        }
    }

    /// Closes every connection.
    func close() async {
        let connections = readers.withLock { state -> [PostgresConnection] in
            defer { state.free = [] }
            return state.free
        } + [writer.withLock { $0?.connection }].compactMap { $0 }
        for connection in connections { try? await connection.close() }
    }
}

extension MirrorDatabase {
    /// Drops a PostgreSQL mirror's schema with everything in it (tests' scratch schemas).
    package func dropSchema() async throws {
        guard let postgres else { return }
        let schema = postgres.location.schema
        try await postgres.write { sql in try sql.execute("DROP SCHEMA IF EXISTS \(Schema.quoted(schema)) CASCADE", []) }
    }
}
