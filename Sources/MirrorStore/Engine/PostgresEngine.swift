import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// The mirror in a PostgreSQL schema: a few writer connections (`maxWriters`), each running one transaction at a time
/// (a batch and its checkpoint commit together, as on SQLite), and a small pool of reader connections, each read
/// one REPEATABLE READ transaction (one snapshot, like a WAL read) under `statement_timeout`.
final class PostgresEngine: Sendable {
    let location: PostgresLocation
    let logger: Logger
    /// A writer connection with the statements prepared on it, and the queue its transactions block on: a serial
    /// queue of its own, so a thread for it is there even when blocked readers fill the others (a concurrent queue's
    /// threads are as many as the cores, and writers blocked on the server on them starved the rest of the process).
    final class Writer: Sendable {
        let connection: PostgresConnection
        let statements = PreparedStatements()
        let queue = DispatchQueue(label: "intercache.postgres.writer")

        init(_ connection: PostgresConnection) { self.connection = connection }
    }

    /// The rows the writers sent per table, for the planner's statistics.
    private let growth = PostgresTableGrowth()

    private let writers: PostgresPool<Writer>
    private let readers: PostgresPool<PostgresConnection>
    private let readQueue = DispatchQueue(label: "intercache.postgres.readers", attributes: .concurrent)
    /// Writer connections at most. Two resources' batches (contacts and conversations, say) then commit at once, each
    /// on a server process of its own: one writer left the server idle while it normalized, and itself idle while the
    /// server stored a batch, and a full sync's passes queued behind each other. SQLite has the one writer it allows.
    static let maxWriters = 2
    /// Reader connections at most: two cores' worth of queries in flight and some waiting on the network.
    static let maxReaders = 8
    /// Connection ids, for the logs.
    private static let ids = Atomic<Int>(0)

    private init(location: PostgresLocation, logger: Logger, writer: PostgresConnection) {
        self.location = location
        self.logger = logger
        writers = PostgresPool(limit: Self.maxWriters, connection: \.connection) {
            Writer(try await Self.connectWriter(location, id: Self.ids.add(1, ordering: .relaxed).newValue, logger: logger))
        }
        readers = PostgresPool(limit: Self.maxReaders, connection: { $0 }) {
            try await Self.connect(location, id: Self.ids.add(1, ordering: .relaxed).newValue, logger: logger)
        }
        writers.add(Writer(writer))
    }

    /// Connects, creates the schema if needed and runs the named migrations (under an advisory lock, so replicas
    /// starting together migrate once).
    static func open(_ location: PostgresLocation, logger: Logger) async throws -> PostgresEngine {
        let first = try await connectWriter(location, id: 0, logger: logger)
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

    /// The writer's connection: its large values (`raw` and the other JSON and text columns) are compressed with LZ4
    /// where the server has it. PostgreSQL's own default, pglz, took 6% of the server's time in a full sync, several
    /// times LZ4's cost, and reading LZ4 back is faster too. A server built without LZ4 keeps pglz.
    static func connectWriter(_ location: PostgresLocation, id: Int, logger: Logger) async throws -> PostgresConnection {
        let connection = try await connect(location, id: id, logger: logger)
        _ = try? await connection.query("SET default_toast_compression = 'lz4'", logger: logger).get()
        return connection
    }

    // MARK: - Writes

    /// Runs `body` in one transaction on a writer connection. Writes called one after another commit in that order;
    /// writes called at once (two resources' batches) may run at once, on two writers. A transaction the server chose
    /// as a deadlock's victim runs again, up to `deadlockAttempts` times in all.
    /// After a commit, and before the writer's next transaction, the tables the sync has grown are analyzed (see
    /// `PostgresTableGrowth`).
    func write<T: Sendable>(_ body: @escaping @Sendable (PostgresRunner) throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await writeOnce(body)
            } catch where PostgresStoreError(error).sqlState == "40P01" && attempt < Self.deadlockAttempts {
                logger.info("write was a deadlock's victim; running it again", metadata: ["attempt": "\(attempt)"])
                attempt += 1
            }
        }
    }

    /// Attempts at a write that keeps meeting deadlocks: two resources' batches rarely touch the same rows (a merged
    /// contact's links, a webhook's item), and the second attempt runs when the other has committed.
    static let deadlockAttempts = 3

    private func writeOnce<T: Sendable>(_ body: @escaping @Sendable (PostgresRunner) throws -> T) async throws -> T {
        let writer = try await writers.take()
        let (logger, schema, writers, growth) = (self.logger, location.schema, self.writers, self.growth)
        return try await withCheckedThrowingContinuation { continuation in
            writer.queue.async {
                let sql = PostgresRunner(connection: writer.connection, logger: logger, pipelined: true,
                                         statements: writer.statements, growth: growth)
                let result = Result { try Self.transaction(sql, begin: "BEGIN", body) }
                continuation.resume(with: result)
                if case .success = result {
                    growth.refresh(PostgresRunner(connection: writer.connection, logger: logger), schema: schema, logger: logger)
                }
                writers.giveBack(writer)
            }
        }
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
        let connection = try await readers.take()
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
            readers.giveBack(connection)
            return value
        } catch {
            readers.giveBack(connection)
            throw error
        }
    }

    /// A connection must be closed before it is released; whatever `close()` did not close is closed here, and kept
    /// until it is (a close only starts one: released at once, the connection traps in its deinit).
    deinit {
        let connections = readers.freeConnections + writers.freeConnections
        for connection in connections where !connection.isClosed {
            connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
        }
    }

    /// Closes every connection.
    func close() async {
        let connections = readers.takeFree() + writers.takeFree()
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
