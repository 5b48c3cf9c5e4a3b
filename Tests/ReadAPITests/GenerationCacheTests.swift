import GRDB
import IntercomAPI
import MirrorStore
import NIOCore
@testable import ReadAPI
import Synchronization
import TestSupport
import Testing

/// Memoised answers: computed once per generation however many requests ask at once, and again after a write.
@Suite struct GenerationCacheTests {
    @Test(arguments: TestEngine.all)
    func concurrentAsksShareOneComputationAndAWriteStartsAnother(engine: TestEngine) async throws {
        let mirror = try await freshMirror(engine: engine, contacts: 20, conversations: 5)
        let reader = MirrorReader(store: mirror.store)
        let cache = GenerationCache()
        let computations = Counter()
        @Sendable func ask() async throws -> String {
            let bytes = try await cache.answer("k", reader: reader) {
                let n = computations.next()
                try await Task.sleep(for: .milliseconds(200))
                return ByteBuffer(string: String(n))
            }
            return String(buffer: bytes)
        }
        let answers = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<16 { group.addTask { try await ask() } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers == Array(repeating: "1", count: 16))
        #expect(computations.value == 1)
        #expect(try await ask() == "1")
        let id = try #require(try await mirror.string("SELECT id FROM contacts LIMIT 1"))
        try await mirror.store.write { tx in try tx.delete(Catalog.table("contacts"), id: id, reason: "test", at: 0) }
        #expect(try await ask() == "2")
        #expect(computations.value == 2)
    }
}

/// How many times a computation ran.
final class Counter: Sendable {
    private let count = Mutex(0)
    func next() -> Int { count.withLock { $0 += 1; return $0 } }
    var value: Int { count.withLock { $0 } }
}
