import Foundation
import HTTPTypes
import GRDB
import IntercomAPI
import MirrorStore
import ReadAPI
import TestSupport
import Testing

@Suite struct ConsistencyTests {
    /// Keyset paging while the sync writes: rows present for the whole walk come exactly once, rows deleted before
    /// their page never come, and nothing repeats, however the writes land around the cursor.
    @Test(arguments: TestEngine.all)
    func aCursorWalkStaysExactWhileTheSyncWrites(engine: TestEngine) async throws {
        let mirror = try await freshMirror(engine: engine, contacts: 300, conversations: 20)
        let table = Catalog.table("contacts")
        let original = try await mirror.strings("SELECT id FROM contacts ORDER BY id")
        try await mirror.withAPI { client in
            var seen: [String] = [], deleted: Set<String> = [], cursor: String?, page = 0
            repeat {
                let uri = "/contacts?sort=-updated_at&limit=20&fields=id,updated_at" + (cursor.map { "&cursor=\($0)" } ?? "")
                let body = try await client.getJSON(uri).body
                seen += ids(body["data"]?.arrayValue ?? [])
                cursor = body["next_cursor"]?.stringValue
                page += 1
                // Between pages: new contacts at both ends of the order, a contact moved to the front, and deletions.
                let victim = original[(page * 37) % original.count]
                let moved = original[(page * 53 + 11) % original.count]
                let n = page, removes = !deleted.contains(victim) && !seen.contains(victim)
                try await mirror.store.write { tx in
                    for (suffix, updated) in [("new-early-\(n)", 1), ("new-late-\(n)", 4_000_000_000)] {
                        try tx.upsert(table, item: .object([("type", .string("contact")), ("id", .string(suffix)), ("role", .string("user")),
                                                            ("updated_at", .int(updated))]), sweep: 0)
                    }
                    try tx.sql.execute("UPDATE contacts SET updated_at = 4000000001 WHERE id = ?", [moved.databaseValue])
                    if removes {
                        try tx.delete(table, id: victim, reason: "test", at: 0)
                    }
                }
                if !seen.contains(victim) { deleted.insert(victim) }
            } while cursor != nil
            #expect(seen.count == Set(seen).count, "no item repeats")
            #expect(Set(seen).isDisjoint(with: deleted), "a deleted item never comes after its deletion")
            // Every original row that was neither deleted nor moved ahead of the cursor is seen exactly once.
            let stable = try await mirror.strings("SELECT id FROM contacts WHERE updated_at < 4000000000 AND id NOT LIKE 'new-%'")
            #expect(Set(stable).isSubset(of: Set(seen)))
        }
    }
}
