import Foundation
import GRDB
import GRDBSQLite
import IntercomAPI
import Logging

/// Owns the mirror's connections and its migrations, on either engine: one SQLite `DatabasePool` (WAL: readers never
/// wait for the sync's writes), or a PostgreSQL schema (`PostgresEngine`: one writer connection and a pool of readers).
public final class MirrorDatabase: Sendable {
    /// The engine behind the store; everything outside it goes through its typed functions.
    enum Engine: Sendable {
        case sqlite(DatabasePool)
        case postgres(PostgresEngine)
    }

    let engine: Engine
    /// The mirror file's path (the read side opens its inline connections on it); empty on PostgreSQL.
    let path: String
    /// Values of an unexpected JSON type written since the sync last took them, per table and column.
    public let drift = DriftTally()

    /// Opens (creating if needed) the mirror at `path` and brings its schema up to date with the catalog.
    public convenience init(path: String) throws { try self.init(path: path, tables: Catalog.tables) }

    /// Opens the mirror at `path` with the columns of `tables`, a later catalog in tests of column evolution.
    package init(path: String, tables: [TableSpec]) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // NORMAL is durable across process crashes in WAL mode; only an OS crash may drop the last commits.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            db.add(function: Schema.plainText)
        }
        self.path = path
        let pool = try DatabasePool(path: path, configuration: configuration)
        engine = .sqlite(pool)
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            try db.execute(sql: "PRAGMA cache_size = -\(Self.writerCacheKiB)")
        }
        try Schema.migrator(tables: tables).migrate(pool)
        try Self.truncateLargeWAL(pool, path: path)
        try pool.write { db in
            for table in Catalog.tables { try db.execute(sql: Schema.createIndexes(table)) }
            try Schema.flushSearchIndex(db)
        }
    }

    /// The writer's page cache, in KiB (readers keep SQLite's 2 MB). A sync batch touches index pages all over a large
    /// mirror, and with 2 MB the writer read them back again and again: a full 100k-contact sync (1.4 GB mirror) read
    /// 11.6 GB, network included; with 64 MB, 4.7 GB. 16 MB with batched commits read 4.6 GB, and peaked about 50 MB lower.
    static let writerCacheKiB = 16 << 10

    /// A migration that rebuilds tables commits them all through the WAL, which keeps its size after the checkpoint (a
    /// 100k-contact mirror left a 1.7 GB WAL beside its 1.9 GB database). Past 64 MB, it is checkpointed and truncated.
    static func truncateLargeWAL(_ pool: DatabasePool, path: String) throws {
        var status = stat()
        guard stat(path + "-wal", &status) == 0, status.st_size > 64 << 20 else { return }
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// Deletes the mirror file at `path` with its WAL and shared-memory files, if they exist (tests, scratch mirrors).
    /// Opens the mirror at `location`: a SQLite file, or a PostgreSQL schema (created and migrated if needed).
    public static func open(_ location: DatabaseLocation, logger: Logger = Logger(label: "intercache.store")) async throws -> MirrorDatabase {
        switch location {
        case let .sqlite(path): try MirrorDatabase(path: path)
        case let .postgres(postgres): MirrorDatabase(postgres: try await PostgresEngine.open(postgres, logger: logger))
        }
    }

    init(postgres: PostgresEngine) {
        engine = .postgres(postgres)
        path = ""
    }

    /// The SQLite pool; the SQLite-only paths (tests that look at the file, its inline readers) call it.
    var pool: DatabasePool {
        guard case let .sqlite(pool) = engine else { preconditionFailure("a SQLite-only path ran on PostgreSQL") }
        return pool
    }

    /// The PostgreSQL engine, or nil for a SQLite mirror.
    var postgres: PostgresEngine? {
        if case let .postgres(engine) = engine { return engine }
        return nil
    }

    /// How the engine spells what differs (see `SQLDialect`).
    package var dialect: any SQLDialect {
        switch engine {
        case .sqlite: SQLiteDialect()
        case .postgres: PostgresDialect()
        }
    }

    /// `sqlite` or `postgres`.
    public var engineName: String { dialect.name }

    /// Where the mirror lives, without its password (for `/sync` and the logs).
    public var locationDescription: String {
        switch engine {
        case .sqlite: path
        case let .postgres(engine): engine.location.redacted
        }
    }

    /// Closes the engine's connections (PostgreSQL; a SQLite pool closes when released).
    public func close() async {
        if let postgres { await postgres.close() }
    }

    public static func removeFiles(at path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    // MARK: - Writes

    /// Runs `body` in one write transaction: a batch and its checkpoint commit together or not at all.
    /// Every write also advances the mirror's generation, which the read API turns into ETags.
    public func write<T: Sendable>(_ body: @escaping @Sendable (MirrorTransaction) throws -> T) async throws -> T {
        let drift = self.drift
        switch engine {
        case let .sqlite(pool):
            return try await pool.write { db in
                let result = try body(MirrorTransaction(db: db, drift: drift))
                try Schema.flushSearchIndex(db)
                try Self.advanceGeneration(SQLiteRunner(db: db))
                return result
            }
        case let .postgres(engine):
            return try await engine.write { sql in
                let result = try body(MirrorTransaction(sql: sql, drift: drift))
                try PostgresSchema.flushSearchIndex(sql)
                try Self.advanceGeneration(sql)
                return result
            }
        }
    }

    static func advanceGeneration(_ sql: any SQLRunner) throws {
        try sql.run("UPDATE mirror_generation SET generation = generation + 1, changed_at = ?", Int(Date().timeIntervalSince1970))
    }

    // MARK: - Reads

    /// Runs `body` on a read-only SQLite snapshot. Package-visible for tests that look at rows directly.
    package func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.read(body)
    }

    /// Runs `body` on a read-only snapshot of either engine.
    package func reading<T: Sendable>(_ body: @escaping @Sendable (any SQLRunner) throws -> T) async throws -> T {
        switch engine {
        case let .sqlite(pool): try await pool.read { db in try body(SQLiteRunner(db: db)) }
        case let .postgres(engine): try await engine.read(body)
        }
    }

    /// The stored checkpoint of `resource`, or a fresh one.
    public func checkpoint(_ resource: String) async throws -> Checkpoint {
        try await reading { sql in try Checkpoint.load(resource, sql) } ?? Checkpoint(resource: resource)
    }

    /// Stored `updated_at` of the given ids of `table`, read without taking the writer.
    public func storedUpdatedAt(_ table: TableSpec, ids: [String]) async throws -> [String: Int] {
        try await reading { sql in try MirrorTransaction(sql: sql).storedUpdatedAt(table, ids: ids) }
    }

    /// Ids of `table` that the sweep `generation` did not see.
    public func unswept(_ table: TableSpec, generation: Int) async throws -> [String] {
        try await reading { sql in try MirrorTransaction(sql: sql).unswept(table, generation: generation) }
    }

    /// Rows of `table`.
    public func count(_ table: TableSpec) async throws -> Int {
        try await reading { sql in try MirrorTransaction(sql: sql).count(table) }
    }
}

/// The mirror's write generation and the time of that write (unix seconds): every `MirrorDatabase.write` advances it,
/// so a new generation means new data.
public struct MirrorGeneration: Sendable, Equatable {
    public let generation: Int
    public let changedAt: Int

    /// The generation as `db`'s snapshot sees it. Read with `valueRows`: every API read asks for it, and GRDB's `Row`
    /// (a copied row and a column-name lookup) was 1.7% of a join read's CPU.
    static func current(_ sql: any SQLRunner) throws -> MirrorGeneration {
        if let db = sql.sqlite { return try current(db) }
        let row = try sql.fetch("SELECT generation, changed_at FROM mirror_generation").first
        return MirrorGeneration(generation: row?[0].integer ?? 0, changedAt: row?[1].integer ?? 0)
    }

    static func current(_ db: Database) throws -> MirrorGeneration {
        let row = try db.cachedStatement(sql: "SELECT generation, changed_at FROM mirror_generation").valueRows(limit: 1).first
        return MirrorGeneration(generation: row.flatMap { Int.fromDatabaseValue($0[0]) } ?? 0,
                                changedAt: row.flatMap { Int.fromDatabaseValue($0[1]) } ?? 0)
    }
}

extension Statement {
    /// Binds `values` straight to the SQLite statement. GRDB's `StatementArguments` initializers are generic over the
    /// sequence and not specialized across modules: building arguments from a row's values cost 5 to 7% of a full
    /// sync's CPU. `values` must match the statement's parameter count (the catalog builds both).
    func bind(values: [DatabaseValue]) {
        setUncheckedArguments(StatementArguments())  // resets, clears bindings, and marks the statement as bound
        let statement = sqliteStatement
        assert(values.count == Int(sqlite3_bind_parameter_count(statement)), "\(values.count) values for: \(sql)")
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)  // SQLITE_TRANSIENT: SQLite copies the bytes
        for (offset, value) in values.enumerated() {
            let index = CInt(offset + 1)
            switch value.storage {
            case .null: sqlite3_bind_null(statement, index)
            case let .int64(n): sqlite3_bind_int64(statement, index, n)
            case let .double(x): sqlite3_bind_double(statement, index, x)
            case let .string(text): sqlite3_bind_text(statement, index, text, -1, transient)
            case let .blob(data):
                data.withUnsafeBytes { _ = sqlite3_bind_blob(statement, index, $0.baseAddress, CInt($0.count), transient) }
            }
        }
    }

    /// The values of the rows the bound statement returns, at most `limit`, read straight from SQLite; the statement
    /// is reset after. GRDB's `Row` also copies each row into storage of its own and indexes its column names, which
    /// cost a point read of the API more than its query.
    func valueRows(limit: Int = .max) throws -> [[DatabaseValue]] {
        let statement = sqliteStatement
        defer { sqlite3_reset(statement) }
        let count = sqlite3_column_count(statement)
        var rows: [[DatabaseValue]] = []
        while rows.count < limit {
            let code = sqlite3_step(statement)
            switch code {
            case SQLITE_ROW:
                var row: [DatabaseValue] = []
                row.reserveCapacity(Int(count))
                for index in 0..<count { row.append(DatabaseValue(sqliteStatement: statement, index: index)) }
                rows.append(row)
            case SQLITE_DONE:
                return rows
            default:
                throw DatabaseError(resultCode: ResultCode(rawValue: code),
                                    message: String(cString: sqlite3_errmsg(sqlite3_db_handle(statement))), sql: sql)
            }
        }
        return rows
    }
}

extension Database {
    /// The cached statement for `sql` with `values` bound (see `Statement.bind(values:)`).
    func bound(_ sql: String, _ values: [DatabaseValue]) throws -> Statement {
        let statement = try cachedStatement(sql: sql)
        statement.bind(values: values)
        return statement
    }
}
