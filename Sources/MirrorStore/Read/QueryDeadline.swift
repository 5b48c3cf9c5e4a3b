import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// The query budget, enforced inside SQLite: a progress handler compares the monotonic clock with a deadline and makes
/// the running statement fail with SQLITE_INTERRUPT once it has passed.
enum QueryDeadline {
    /// Virtual-machine steps between checks: frequent enough to stop within a millisecond, rare enough to cost nothing.
    static let checkEvery: Int32 = 4_000

    static func run<T>(_ db: Database, budget: Duration, _ body: () throws -> T) throws -> T {
        let nanoseconds = UInt64(budget.components.seconds) * 1_000_000_000 + UInt64(budget.components.attoseconds / 1_000_000_000)
        let deadline = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        deadline.initialize(to: DispatchTime.now().uptimeNanoseconds &+ nanoseconds)
        sqlite3_progress_handler(db.sqliteConnection, checkEvery, { context in
            guard let context else { return 0 }
            return DispatchTime.now().uptimeNanoseconds > context.assumingMemoryBound(to: UInt64.self).pointee ? 1 : 0
        }, deadline)
        defer {
            sqlite3_progress_handler(db.sqliteConnection, 0, nil, nil)
            deadline.deallocate()
        }
        return try body()
    }
}

/// Where a request's reads leave the generation they saw, so the ETag needs no read of its own.
public final class GenerationBox: Sendable {
    private let value = Mutex<MirrorGeneration?>(nil)

    public init() {}

    public func store(_ generation: MirrorGeneration) { value.withLock { $0 = generation } }
    /// The generation the request's last read saw, if it read at all.
    public var generation: MirrorGeneration? { value.withLock { $0 } }
}

/// The current request's generation box, set by the read API's conditional-GET middleware around the handler.
public enum RequestGeneration {
    @TaskLocal public static var box: GenerationBox?
}
