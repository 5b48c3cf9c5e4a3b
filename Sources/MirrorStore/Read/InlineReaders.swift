import Foundation
import GRDB
import Synchronization

/// Read-only connections of the mirror for reads run on the calling thread (see `MirrorReader.timed`), apart from the
/// pool's readers. One is taken without waiting: when none is free the read goes to the pool's reader threads
/// instead. A cooperative thread never blocks on another read, so a burst of long reads, which need a cooperative
/// thread to hand their pool connection back, cannot starve them.
final class InlineReaders: Sendable {
    private let path: String
    private let limit: Int
    private let state = Mutex<(free: [DatabaseQueue], opened: Int)>(([], 0))
    /// Reads that went to the pool instead (counted by `MirrorReader`).
    let moved = Atomic<Int>(0)

    /// At most `limit` connections, opened when first needed: about one per cooperative thread.
    init(path: String, limit: Int = ProcessInfo.processInfo.activeProcessorCount + 1) {
        self.path = path
        self.limit = limit
    }

    /// `body` on a free connection, in one read transaction (one snapshot); nil, without running it, when none is
    /// free. The transaction's statements are prepared once per connection: GRDB's own read prepares them anew each
    /// time, which cost a point read more than its query.
    func read<T>(_ body: (Database) throws -> T) throws -> T? {
        guard let connection = take() else { return nil }
        defer { state.withLock { $0.free.append(connection) } }
        return try connection.inDatabase { db in
            try db.cachedStatement(sql: "BEGIN DEFERRED").execute()
            defer {
                // An interrupted statement may have ended the transaction already.
                if db.isInsideTransaction, (try? db.cachedStatement(sql: "COMMIT").execute()) == nil {
                    try? db.execute(sql: "ROLLBACK")
                }
            }
            return try body(db)
        }
    }

    private enum Taken { case free(DatabaseQueue), mayOpen, none }

    private func take() -> DatabaseQueue? {
        let taken: Taken = state.withLock { state in
            if let connection = state.free.popLast() { return .free(connection) }
            guard state.opened < limit else { return .none }
            state.opened += 1
            return .mayOpen
        }
        switch taken {
        case let .free(connection): return connection
        case .none: return nil
        case .mayOpen:
            do {
                var configuration = Configuration()
                configuration.readonly = true
                return try DatabaseQueue(path: path, configuration: configuration)
            } catch {
                state.withLock { $0.opened -= 1 }
                return nil
            }
        }
    }
}
