import Foundation
import HTTPTypes
import GRDB
import IntercomAPI
import MirrorStore
import ReadAPI
import Testing

@Suite struct DashboardTests {
    /// `/sync` reads the mirror once per write generation; its clock figures still move on every call, and a write makes
    /// it read again.
    @Test func syncStatusIsReadOncePerGenerationWithItsClockMovingOnEveryCall() async throws {
        let mirror = try await freshMirror(contacts: 60, conversations: 20)
        let reader = MirrorReader(store: mirror.store)
        func entry(_ status: JSON, _ resource: String) -> JSON? {
            status["data"]?.arrayValue?.first { $0["resource"]?.stringValue == resource }
        }
        let now = 2_000_000_000
        let first = try await reader.syncStatus(now: now)
        let later = try await reader.syncStatus(now: now + 60)
        var moved = 0
        for resource in ["contacts", "tags", "conversations", "tickets"] {
            let (a, b) = (try #require(entry(first, resource)), try #require(entry(later, resource)))
            let lag = try #require(a["lag_seconds"]?.intValue, "\(resource) has no lag")
            #expect(b["lag_seconds"]?.intValue == lag + 60, "\(resource)")
            #expect(b["seconds_since_success"]?.intValue == (a["seconds_since_success"]?.intValue).map { $0 + 60 })
            moved += 1
        }
        #expect(moved == 4)
        #expect((entry(first, "tags")?["rows"]?.intValue ?? 0) > 0)
        try await mirror.store.write { tx in try tx.db.execute(sql: "DELETE FROM tags") }
        let after = try await reader.syncStatus(now: now + 60)
        #expect(entry(after, "tags")?["rows"]?.intValue == 0)
        #expect(after["generation"]?.intValue == (first["generation"]?.intValue).map { $0 + 1 })
    }

    @Test func countsMatchTheSimulatorsGroundTruth() async throws {
        let mirror = try await sharedMirror()
        let truth = mirror.truth
        try await mirror.withAPI { client in
            let counts = try await client.getJSON("/counts").body
            #expect(counts["contacts"]?["total"] == truth["contacts"]?["total"])
            #expect(counts["contacts"]?["by_role"]?["user"] == truth["contacts"]?["user"])
            #expect(counts["contacts"]?["by_role"]?["lead"] == truth["contacts"]?["lead"])
            #expect(counts["companies"]?["total"] == truth["companies"]?["total"])
            #expect(counts["conversations"]?["total"] == truth["conversations"]?["total"])
            #expect(Self.sorted(counts["conversations"]?["by_state"]) == Self.sorted(truth["conversations"]?["by_state"]))
            #expect(Self.sorted(counts["open_conversations_per_team"]) == Self.sorted(truth["open_conversations_per_team"]))
            #expect(Self.sorted(counts["contacts_per_tag"]) == Self.sorted(truth["contacts_per_tag"]))
            #expect(Self.sorted(counts["contacts_per_segment"]) == Self.sorted(truth["contacts_per_segment"]))
            #expect(Self.sorted(counts["companies_per_tag"]) == Self.sorted(truth["companies_per_tag"]))
            #expect(Self.sorted(counts["companies_per_segment"]) == Self.sorted(truth["companies_per_segment"]))
            // Open conversations per admin, from the truth's per-admin state counts.
            var openPerAdmin: [(String, JSON)] = []
            if case let .object(admins)? = truth["conversations_per_admin"] {
                for (admin, states) in admins { if let open = states["open"]?.intValue { openPerAdmin.append((admin, .int(open))) } }
            }
            #expect(Self.sorted(counts["open_conversations_per_admin"]) == Self.sorted(.object(openPerAdmin)))
        }
    }

    @Test func groupByCountsMatchTheTruthAndTakeFilters() async throws {
        let mirror = try await sharedMirror()
        try await mirror.withAPI { client in
            let byState = try await client.getJSON("/conversations/counts?group_by=state").body["data"]?.arrayValue ?? []
            let states = JSON.object(byState.map { ($0["state"]!.stringValue!, $0["count"]!) })
            #expect(Self.sorted(states) == Self.sorted(mirror.truth["conversations"]?["by_state"]))
            let pairs = try await client.getJSON("/conversations/counts?group_by=state,admin_assignee_id&state=open").body["data"]?.arrayValue ?? []
            #expect(pairs.allSatisfy { $0["state"]?.stringValue == "open" })
            let perAdmin = JSON.object(pairs.map { ($0["admin_assignee_id"]?.stringValue ?? "unassigned", $0["count"]!) })
            let counts = try await client.getJSON("/counts").body
            #expect(Self.sorted(perAdmin) == Self.sorted(counts["open_conversations_per_admin"]))
            // Largest group first.
            let sizes = pairs.compactMap { $0["count"]?.intValue }
            #expect(sizes == sizes.sorted(by: >))
            let roles = try await client.getJSON("/contacts/counts?group_by=role").body["data"]?.arrayValue ?? []
            #expect(roles.first { $0["role"]?.stringValue == "user" }?["count"] == mirror.truth["contacts"]?["user"])
        }
    }

    static func sorted(_ json: JSON?) -> [String: Int] {
        guard case let .object(members)? = json else { return [:] }
        return Dictionary(members.map { ($0.0, $0.1.intValue ?? -1) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func searchFindsBodiesNotesAndNamesAndTakesAnyText() async throws {
        let mirror = try await sharedMirror()
        let (noteWord, name) = try await mirror.store.read { db in
            (try String.fetchOne(db, sql: "SELECT body FROM notes WHERE body LIKE '%renewal%' LIMIT 1") != nil ? "renewal" : "note",
             try String.fetchOne(db, sql: "SELECT name FROM contacts WHERE name GLOB '[A-Z]*' AND length(name) > 3 LIMIT 1")!)
        }
        try await mirror.withAPI { client in
            let notes = try await client.getJSON("/search?q=\(noteWord)&kind=note&limit=100").body["data"]?.arrayValue ?? []
            #expect(!notes.isEmpty)
            #expect(notes.allSatisfy { $0["kind"]?.stringValue == "note" && $0["contact_id"] != .null })
            let first = String(name.split(separator: " ")[0]).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let people = try await client.getJSON("/search?q=\(first)&kind=contact").body["data"]?.arrayValue ?? []
            #expect(!people.isEmpty)
            // FTS5 operators and quotes in the query are words, never syntax errors.
            for raw in ["\"unbalanced", "AND OR NOT", "a* (b", "NEAR(x y)", "col:umn"] {
                let q = raw.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                #expect(try await client.getJSON("/search?q=\(q)").status == .ok, "\(raw)")
            }
            #expect(try await client.getJSON("/search?q=x&kind=tweets").status == .badRequest)
        }
    }

    /// Bodies are HTML; the index holds their text, so a tag name matches nothing and a snippet reads as text.
    @Test func searchIndexesTheTextOfBodiesNotTheirMarkup() async throws {
        let mirror = try await freshMirror(contacts: 30, conversations: 8)
        let part = try await mirror.store.read { db in try String.fetchOne(db, sql: "SELECT id FROM conversation_parts LIMIT 1")! }
        try await mirror.store.write { tx in
            try tx.db.execute(sql: "UPDATE conversation_parts SET body = ? WHERE id = ?", arguments: [
                "<p>Called them ☎️ — <b>renewal</b> [due]</p><p>Next&nbsp;step &amp; <a href=\"https://x.test/p?b=1\">more</a><br>soon</p>", part])
        }
        try await mirror.withAPI { client in
            let found = try await client.getJSON("/search?q=renewal&kind=conversation_part").body["data"]?.arrayValue ?? []
            let hit = try #require(found.first { $0["id"]?.stringValue == part })
            #expect(hit["snippet"]?.stringValue == "Called them ☎️ — [renewal] [due] Next step & more soon")
            for tag in ["p", "b", "br", "href", "https"] {
                let hits = try await client.getJSON("/search?q=\(tag)&kind=conversation,conversation_part,note&limit=100").body["data"]?.arrayValue
                #expect(hits?.isEmpty == true, "\(tag) matched \(hits?.count ?? -1) bodies")
            }
        }
        #expect(HTMLText.plain("re<b>new</b>al<script>x()</script><!-- c --> &#x2014;&#39;ok&#39; 1 &lt; 2") == "renewal —'ok' 1 < 2")
    }

    @Test func searchFollowsWritesAndDeletions() async throws {
        let mirror = try await freshMirror(contacts: 40, conversations: 10)
        let contact = try await mirror.store.read { db in try String.fetchOne(db, sql: "SELECT id FROM contacts LIMIT 1")! }
        try await mirror.store.write { tx in
            try tx.db.execute(sql: "UPDATE contacts SET name = 'Zebulon Quaxley' WHERE id = ?", arguments: [contact])
        }
        try await mirror.withAPI { client in
            let found = try await client.getJSON("/search?q=quaxley").body["data"]?.arrayValue ?? []
            #expect(ids(found) == [contact])
            try await mirror.store.write { tx in try tx.delete(Catalog.table("contacts"), id: contact, reason: "test", at: 0) }
            #expect(try await client.getJSON("/search?q=quaxley").body["data"]?.arrayValue?.isEmpty == true)
        }
    }

    /// The index is written in one batch per transaction (see `Schema.flushSearchIndex`): after a full sync and after
    /// updates, replaced child lists and deletions, it holds exactly one document per row with text, with that text.
    @Test func searchIndexHoldsExactlyTheRowsTexts() async throws {
        let mirror = try await freshMirror(contacts: 60, conversations: 20)
        try await #expect(Self.indexMismatches(mirror.store) == [])
        let (contact, conversation) = try await mirror.store.read { db in
            (try String.fetchOne(db, sql: "SELECT id FROM contacts ORDER BY id LIMIT 1")!,
             try String.fetchOne(db, sql: "SELECT conversation_id FROM conversation_parts GROUP BY conversation_id HAVING count(*) > 1 LIMIT 1")!)
        }
        let raw = try await mirror.store.read { db in try String.fetchOne(db, sql: "SELECT raw FROM conversations WHERE id = ?", arguments: [conversation])! }
        try await mirror.store.write { tx in
            try tx.db.execute(sql: "UPDATE contacts SET name = 'Ottoline Brisk' WHERE id = ?", arguments: [contact])
            try tx.db.execute(sql: "UPDATE contacts SET name = NULL, email = NULL WHERE id IN (SELECT id FROM contacts WHERE id > ? ORDER BY id LIMIT 8)",
                               arguments: [contact])
            try tx.db.execute(sql: "DELETE FROM notes WHERE id IN (SELECT id FROM notes ORDER BY id LIMIT 5)")
            // A conversation written again with one part: its other parts' documents must go.
            var item = try JSON.parse(Array(raw.utf8))
            if case var .object(members) = item {
                members.removeAll { $0.0 == "conversation_parts" }
                members.append(("conversation_parts", .object([("conversation_parts", .array([.object([
                    ("type", .string("conversation_part")), ("id", .string("p-only")), ("part_type", .string("comment")),
                    ("body", .string("<p>glimmerwick</p>")), ("created_at", .int(1)), ("updated_at", .int(1)),
                ])])), ("total_count", .int(1))])))
                item = .object(members)
            }
            try tx.upsert(Catalog.table("conversations"), item: item, sweep: 0)
        }
        try await #expect(Self.indexMismatches(mirror.store) == [])
        try await mirror.withAPI { client in
            let brisk = try await client.getJSON("/search?q=brisk").body["data"]?.arrayValue ?? []
            #expect(ids(brisk) == [contact])
            let part = try await client.getJSON("/search?q=glimmerwick").body["data"]?.arrayValue ?? []
            #expect(part.map { $0["conversation_id"]?.stringValue } == [conversation])
        }
    }

    /// Rows whose document is missing, extra or stale: (kind, ref) pairs that differ between the sources and the index.
    static func indexMismatches(_ store: MirrorDatabase) async throws -> [String] {
        try await store.read { db in
            let expected = Schema.searchSourceSQL.joined(separator: " UNION ALL ")
            let indexed = "SELECT kind, ref, body FROM search_index"
            return try String.fetchAll(db, sql: """
                SELECT kind || ':' || ref FROM (SELECT * FROM (\(expected)) EXCEPT \(indexed)
                                              UNION ALL SELECT * FROM (\(indexed) EXCEPT SELECT * FROM (\(expected))))
                UNION ALL SELECT 'unflushed:' || kind || ':' || ref FROM search_pending
                UNION ALL SELECT 'orphan ref:' || kind || ':' || ref FROM search_refs WHERE doc NOT IN (SELECT rowid FROM search_index)
                """)
        }
    }

    @Test func syncStatusReadinessAndMetricsReportTheMirror() async throws {
        let mirror = try await sharedMirror()
        try await mirror.withAPI { client in
            let status = try await client.getJSON("/sync").body
            let contacts = try #require(status["data"]?.arrayValue?.first { $0["resource"]?.stringValue == "contacts" })
            #expect(contacts["rows"] == mirror.truth["contacts"]?["total"])
            #expect(contacts["intercom_total"] == mirror.truth["contacts"]?["total"])
            #expect(contacts["mismatch"] == .bool(false))
            #expect(contacts["last_success_at"]?.intValue != nil)
            #expect(contacts["last_run"]?["status"]?.stringValue == "succeeded")
            let conversations = try #require(status["data"]?.arrayValue?.first { $0["resource"]?.stringValue == "conversations" })
            #expect(conversations["truncated_conversations"] == mirror.truth["truncated_conversations"])
            #expect(try await client.getJSON("/readyz").status == .ok)
            let metrics = try await client.getText("/metrics").text
            #expect(metrics.contains("intercache_sync_lag_seconds{resource=\"contacts\"}"))
            #expect(metrics.contains("intercache_mirror_rows{resource=\"contacts\"} \(mirror.truth["contacts"]!["total"]!.intValue!)"))
        }
    }

    @Test func anEmptyMirrorIsAliveButNotReady() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("intercache-empty-\(UUID().uuidString).sqlite").path
        let mirror = SyncedMirror(store: try MirrorDatabase(path: path), truth: .null, path: path, files: TemporaryMirrorFiles(path))
        try await mirror.withAPI { client in
            #expect(try await client.getJSON("/healthz").status == .ok)
            let (status, body, _) = try await client.getJSON("/readyz")
            #expect(status == .serviceUnavailable)
            #expect(errorCode(body) == "not_ready")
            #expect(try await client.getJSON("/contacts").body["data"] == .array([]))
        }
    }
}
