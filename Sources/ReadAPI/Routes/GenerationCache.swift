import MirrorStore
import NIOCore
import Synchronization

/// Answers cached by the write generation they reflect (`/counts`, list pages, group counts, aggregates, scorecards):
/// a new generation empties it. At most `capacity` answers and `maxBytes` bytes are kept per generation, so a client
/// cycling through distinct queries cannot grow it unbounded. Requests that ask for the same answer while it is being computed wait for that one
/// computation (a dashboard opening fires its queries at once, and 64 copies of a 200 ms aggregate would take seconds).
final class GenerationCache: Sendable {
    private struct State {
        var generation = -1
        var values: [String: ByteBuffer] = [:]
        var bytes = 0
        var inFlight: [String: Task<ByteBuffer, any Error>] = [:]
    }
    private let state = Mutex(State())
    let capacity: Int
    let maxBytes: Int

    /// 32 MB holds a dashboard's few hundred answers (an aggregate by day over three years is 100 KB) and bounds what a
    /// crawler walking cursors can pin.
    init(capacity: Int = 256, maxBytes: Int = 32 << 20) {
        self.capacity = capacity
        self.maxBytes = maxBytes
    }

    /// The answer for `key` at the mirror's current generation: cached, being computed by another request, or computed
    /// here. It is kept only when no write landed while it was computed, since it might reflect either generation.
    func answer(_ key: String, reader: MirrorReader, _ compute: @escaping @Sendable () async throws -> ByteBuffer) async throws -> ByteBuffer {
        let current = try await reader.generation()
        let generation = current.generation
        enum Step { case cached(ByteBuffer), wait(Task<ByteBuffer, any Error>), alone }
        let step = state.withLock { state -> Step in
            if state.generation < generation { state = State(generation: generation) }
            guard state.generation == generation else { return .alone }  // a request that read an older generation
            if let value = state.values[key] { return .cached(value) }
            if let task = state.inFlight[key] { return .wait(task) }
            let task = Task { try await self.computed(key, generation, reader, compute) }
            state.inFlight[key] = task
            return .wait(task)
        }
        switch step {
        case let .cached(value):
            RequestGeneration.box?.store(current)
            return value
        case let .wait(task):
            RequestGeneration.box?.store(current)
            return try await task.value
        case .alone:
            return try await compute()
        }
    }

    /// Computes one answer for the requests waiting on it and keeps it if the generation did not move meanwhile.
    private func computed(_ key: String, _ generation: Int, _ reader: MirrorReader,
                          _ compute: @Sendable () async throws -> ByteBuffer) async throws -> ByteBuffer {
        do {
            let value = try await compute()
            let unchanged = try await reader.generation().generation == generation
            state.withLock { state in
                guard state.generation == generation else { return }
                state.inFlight[key] = nil
                if unchanged && state.values.count < capacity && state.bytes + value.readableBytes <= maxBytes {
                    state.values[key] = value
                    state.bytes += value.readableBytes
                }
            }
            return value
        } catch {
            state.withLock { state in if state.generation == generation { state.inFlight[key] = nil } }
            throw error
        }
    }
}
