import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// Which replica runs the sync. On PostgreSQL, leadership is a session-level advisory lock held on a connection of its
/// own: the server releases it the moment that session ends, so a leader killed with SIGKILL (or cut off: TCP
/// keepalives end the session) frees it with no lease to wait out and no clock to trust. A lease row would need
/// every replica's clock to agree and a takeover to wait a full lease; the lock needs neither. `replica_leader` only
/// records who holds it, for `/sync`. A SQLite mirror has one process, which always leads.
public final class Leadership: Sendable {
    /// This replica's name: `INTERCACHE_REPLICA_ID`, or host and process id.
    public let replica: String
    let engine: PostgresEngine?
    private let connection = Mutex<PostgresConnection?>(nil)

    /// The advisory lock's key for the mirror in `schema`. Advisory locks belong to the whole database, and one
    /// database may hold several mirrors, one per schema: a single constant let the leader of one mirror keep every
    /// replica of another from leading. The key is FNV-1a (64 bits) of the schema's name, computed here rather than
    /// with Swift's `Hasher`, which is seeded afresh in every process: replicas must agree on it.
    static func lockKey(schema: String) -> Int64 { advisoryKey("intercache.leader.\(schema)") }

    /// FNV-1a (64 bits) of `name`, as an advisory lock's key.
    static func advisoryKey(_ name: String) -> Int64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return Int64(bitPattern: hash)
    }

    init(replica: String, engine: PostgresEngine?) {
        self.replica = replica
        self.engine = engine
    }

    /// The name a replica goes by when none is given.
    public static var defaultReplicaName: String {
        ProcessInfo.processInfo.environment["INTERCACHE_REPLICA_ID"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())"
    }

    /// Whether this replica holds the lock now: takes it if it is free, and checks the session still holds it if it
    /// was taken before. A SQLite mirror always leads. Throws when the database cannot be reached.
    public func claim() async throws -> Bool {
        guard let engine else { return true }
        if let held = connection.withLock({ $0 }) {
            // A session-level lock is held until its session ends: a live session still holds it.
            do {
                let sql = "UPDATE replica_leader SET heartbeat_at = \(Int(Date().timeIntervalSince1970)) WHERE id = 1"
                _ = try await Self.within(Self.heartbeatLimit) { try await Self.query(held, sql) }
                return true
            } catch {
                engine.logger.warning("lost the leader's session", metadata: ["error": "\(PostgresStoreError(error))"])
            }
            connection.withLock { $0 = nil }
            _ = try? await Self.within(Self.heartbeatLimit) { try await held.close() }
            return false
        }
        let candidate = try await PostgresEngine.connect(engine.location, id: -1, logger: engine.logger)
        do {
            let key = Self.lockKey(schema: engine.location.schema)
            let won = try await Self.query(candidate, "SELECT pg_try_advisory_lock(\(key))").first?.first == .int(1)
            guard won else {
                try? await candidate.close()
                return false
            }
            let now = Int(Date().timeIntervalSince1970)
            var binds = PostgresBindings()
            binds.append(Untyped(text: replica))
            _ = try await candidate.query(PostgresQuery(unsafeSQL: """
                INSERT INTO replica_leader (id, replica, since, heartbeat_at) VALUES (1, $1, \(now), \(now))
                ON CONFLICT (id) DO UPDATE SET replica = EXCLUDED.replica, since = EXCLUDED.since, heartbeat_at = EXCLUDED.heartbeat_at
                """, binds: binds), logger: engine.logger).get()
            connection.withLock { $0 = candidate }
            return true
        } catch {
            try? await candidate.close()
            throw PostgresStoreError(error)
        }
    }

    /// Gives the lock up (a graceful shutdown), so another replica takes over at its next claim.
    public func resign() async {
        guard let held = connection.withLock({ value in defer { value = nil }; return value }) else { return }
        _ = try? await Self.within(Self.heartbeatLimit) { try await held.close() }
    }

    /// How long the leader's heartbeat (or its session's close) may take. When the server vanished, a statement on the
    /// old session never answered: the watchdog waited for good, and the replica neither noticed nor stopped on
    /// SIGTERM.
    static let heartbeatLimit: Duration = .seconds(10)

    struct TimedOut: Error, CustomStringConvertible {
        var description: String { "no answer within \(Leadership.heartbeatLimit)" }
    }

    /// `body`'s result, or `TimedOut` after `limit`; a body that never returns is left behind, not awaited.
    static func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let answered = FirstAnswer()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let finish: @Sendable (Result<T, any Error>) -> Void = { result in
                if answered.claim() { continuation.resume(with: result) }
            }
            let work = Task {
                do { finish(.success(try await body())) } catch { finish(.failure(error)) }
            }
            Task {
                try? await Task.sleep(for: limit)
                finish(.failure(TimedOut()))
                work.cancel()
            }
        }
    }

    /// True for the first caller only.
    final class FirstAnswer: Sendable {
        private let taken = Atomic<Bool>(false)
        func claim() -> Bool { !taken.exchange(true, ordering: .acquiringAndReleasing) }
    }

    private static func query(_ connection: PostgresConnection, _ sql: String) async throws -> [[StoreValue]] {
        let result = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: connection.logger).get()
        return result.rows.map { $0.map(PostgresRunner.value) }
    }
}

/// Who leads, as the database records it.
public struct LeaderRecord: Sendable, Equatable {
    public let replica: String
    public let since: Int
    public let heartbeatAt: Int
}

extension MirrorDatabase {
    /// The leadership of replica `replica` over this mirror.
    public func leadership(replica: String = Leadership.defaultReplicaName) -> Leadership {
        Leadership(replica: replica, engine: postgres)
    }

    /// Whether several replicas may share this mirror (PostgreSQL).
    public var isShared: Bool { postgres != nil }

    /// The replica that holds leadership, as last recorded; nil on SQLite or before any leader.
    public func leader() async throws -> LeaderRecord? {
        guard postgres != nil else { return nil }
        return try await reading { sql in
            try sql.fetch("SELECT replica, since, heartbeat_at FROM replica_leader WHERE id = 1").first.map {
                LeaderRecord(replica: $0[0].string ?? "", since: $0[1].integer ?? 0, heartbeatAt: $0[2].integer ?? 0)
            }
        }
    }

    // MARK: - The shared webhook queue

    /// Queues a verified notification's body for the leader, durably; false when it was queued before.
    public func enqueueWebhook(id: String, body: [UInt8], replica: String) async throws -> Bool {
        let text = String(decoding: body, as: UTF8.self)
        return try await postgresWrite { sql in
            !(try sql.fetch("""
                INSERT INTO webhook_queue (notification_id, body, received_at, received_by) VALUES (?, ?, ?, ?)
                ON CONFLICT (notification_id) DO NOTHING RETURNING seq
                """, id, text, Int(Date().timeIntervalSince1970), replica).isEmpty)
        }
    }

    /// Queued notifications after `seq`, oldest first: (seq, body).
    public func queuedWebhooks(after seq: Int64, limit: Int = 200) async throws -> [(seq: Int64, body: [UInt8])] {
        guard postgres != nil else { return [] }
        return try await reading { sql in
            try sql.fetch("SELECT seq, body FROM webhook_queue WHERE seq > ? ORDER BY seq LIMIT ?", seq, limit).map {
                (Int64($0[0].integer ?? 0), Array(($0[1].string ?? "").utf8))
            }
        }
    }

    /// Drops queued notifications received before `cutoff` that were never applied (their re-fetch kept failing; the
    /// next poll repairs the item).
    public func pruneWebhookQueue(before cutoff: Int) async throws {
        guard postgres != nil else { return }
        try await postgresWrite { sql in try sql.run("DELETE FROM webhook_queue WHERE received_at < ?", cutoff) }
    }

    /// A write on PostgreSQL that does not advance the generation (it changes nothing the API reads).
    private func postgresWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLRunner) throws -> T) async throws -> T {
        guard let postgres else { preconditionFailure("the webhook queue is PostgreSQL's") }
        return try await postgres.write { sql in try body(sql) }
    }
}

/// This replica's name and whether it leads now, for `/sync`.
public final class ReplicaState: Sendable {
    public let replica: String
    private let leading: Atomic<Bool>

    public init(replica: String, leading: Bool = false) {
        self.replica = replica
        self.leading = Atomic(leading)
    }

    public var isLeader: Bool {
        get { leading.load(ordering: .relaxed) }
    }

    public func set(leading value: Bool) { leading.store(value, ordering: .relaxed) }
}
