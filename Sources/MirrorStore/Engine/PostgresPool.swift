import PostgresNIO
import Synchronization

/// Connections of one kind (the engine's readers, its writers), opened as they are needed up to `limit`, each lent to
/// one transaction at a time. A transaction that finds them all lent waits for one to be given back.
final class PostgresPool<Entry: Sendable>: Sendable {
    let limit: Int
    private let state = Mutex<(free: [Entry], opened: Int, waiting: [CheckedContinuation<Void, Never>])>(([], 0, []))
    private let connection: @Sendable (Entry) -> PostgresConnection
    private let open: @Sendable () async throws -> Entry

    /// `connection` is an entry's connection (closed ones are dropped); `open` makes a new entry.
    init(limit: Int, connection: @escaping @Sendable (Entry) -> PostgresConnection, open: @escaping @Sendable () async throws -> Entry) {
        self.limit = limit
        self.connection = connection
        self.open = open
    }

    private enum Taken { case entry(Entry), open, wait }

    /// An open entry: a free one, a new one while fewer than `limit` are open, or the next one given back.
    func take() async throws -> Entry {
        while true {
            let taken: Taken = state.withLock { state in
                while let entry = state.free.popLast() {
                    if !connection(entry).isClosed { return .entry(entry) }
                    state.opened -= 1
                }
                if state.opened < limit {
                    state.opened += 1
                    return .open
                }
                return .wait
            }
            switch taken {
            case let .entry(entry): return entry
            case .open:
                do {
                    return try await open()
                } catch {
                    // The slot is free again: a transaction waiting for one tries now (it would otherwise wait for an
                    // entry to be given back, and with the server down none ever is).
                    let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                        state.opened -= 1
                        return state.waiting.isEmpty ? nil : state.waiting.removeFirst()
                    }
                    waiter?.resume()
                    throw error
                }
            case .wait:
                await withCheckedContinuation { continuation in
                    let resumeNow = state.withLock { state -> Bool in
                        if !state.free.isEmpty || state.opened < limit { return true }
                        state.waiting.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    /// Returns a taken entry (a closed one frees its slot) and wakes a waiting transaction.
    func giveBack(_ entry: Entry) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if connection(entry).isClosed { state.opened -= 1 } else { state.free.append(entry) }
            return state.waiting.isEmpty ? nil : state.waiting.removeFirst()
        }
        waiter?.resume()
    }

    /// Adds an entry opened elsewhere (the engine's first connection), free.
    func add(_ entry: Entry) {
        state.withLock { state in
            state.opened += 1
            state.free.append(entry)
        }
    }

    /// The free entries' connections, removed from the pool (closing).
    func takeFree() -> [PostgresConnection] {
        state.withLock { state in
            defer { state.free = [] }
            return state.free.map(connection)
        }
    }

    /// The free entries' connections, left in the pool.
    var freeConnections: [PostgresConnection] { state.withLock { $0.free.map(connection) } }
}
