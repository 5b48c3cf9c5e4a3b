import Foundation
import HTTPTypes
import GRDB
import IntercomAPI
import MirrorStore
import ReadAPI
import TestSupport
import Testing

@Suite struct DashboardTests {
    /// `/sync` reads the mirror once per write generation; its clock figures still move on every call, and a write makes
    /// it read again.
    @Test(arguments: TestEngine.all)
    func syncStatusIsReadOncePerGenerationWithItsClockMovingOnEveryCall(engine: TestEngine) async throws {
        let mirror = try await freshMirror(engine: engine, contacts: 60, conversations: 20)
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
        try await mirror.execute("DELETE FROM tags")
        let after = try await reader.syncStatus(now: now + 60)
        #expect(entry(after, "tags")?["rows"]?.intValue == 0)
        #expect(after["generation"]?.intValue == (first["generation"]?.intValue).map { $0 + 1 })
    }

    @Test(arguments: TestEngine.all)
    func countsMatchTheSimulatorsGroundTruth(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
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

    @Test(arguments: TestEngine.all)
    func groupByCountsMatchTheTruthAndTakeFilters(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
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

    @Test(arguments: TestEngine.all)
    func searchFindsBodiesNotesAndNamesAndTakesAnyText(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        // SQLite's LIKE ignores ASCII case and PostgreSQL's does not: lower() asks both the same question.
        let noteWord = try await mirror.string("SELECT body FROM notes WHERE lower(body) LIKE '%renewal%' LIMIT 1") != nil ? "renewal" : "note"
        let name = try #require(try await mirror.string(
            "SELECT name FROM contacts WHERE substr(name, 1, 1) BETWEEN 'A' AND 'Z' AND length(name) > 3 LIMIT 1"))
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

    /// Bodies are HTML; the index holds their text, so a tag name matches nothing and a snippet reads as text. Text
    /// that only looks like markup (a name, an escaped `&lt;`) is text too, and its snippet keeps it: PostgreSQL's
    /// `ts_headline` dropped it until the dialect masked `<`.
    @Test(arguments: TestEngine.all)
    func searchIndexesTheTextOfBodiesNotTheirMarkup(engine: TestEngine) async throws {
        let mirror = try await freshMirror(engine: engine, contacts: 30, conversations: 8)
        let parts = try await mirror.strings("SELECT id FROM conversation_parts ORDER BY id LIMIT 2")
        try #require(parts.count == 2)
        let (part, escaped) = (parts[0], parts[1])
        let contact = try #require(try await mirror.string("SELECT id FROM contacts ORDER BY id LIMIT 1"))
        let hostile = try #require(try await mirror.string("SELECT id FROM contacts WHERE id > ? ORDER BY id LIMIT 1", contact))
        try await mirror.store.write { tx in
            // A name is text, not markup: every word in it is found, however much of it looks like a tag.
            try tx.sql.execute("UPDATE contacts SET name = ?, email = NULL WHERE id = ?",
                               ["Mallory <script>zorblax(1)</script> x<quimby and z>w", hostile].map(\.databaseValue))
            try tx.sql.execute("UPDATE conversation_parts SET body = ? WHERE id = ?", [
                "<p>Called them ☎️ — <b>renewal</b> [due]</p><p>Next&nbsp;step &amp; <a href=\"https://x.test/p?b=1\">more</a><br>soon</p>",
                part].map(\.databaseValue))
            try tx.sql.execute("UPDATE conversation_parts SET body = ? WHERE id = ?", ["<p>use &lt;em&gt; for zanzibar</p>", escaped].map(\.databaseValue))
            try tx.sql.execute("UPDATE contacts SET name = ?, email = NULL WHERE id = ?", ["<i>Ann</i> Quillfeather", contact].map(\.databaseValue))
        }
        try await mirror.withAPI { client in
            let found = try await client.getJSON("/search?q=renewal&kind=conversation_part").body["data"]?.arrayValue ?? []
            let hit = try #require(found.first { $0["id"]?.stringValue == part })
            #expect(hit["snippet"]?.stringValue == "Called them ☎️ — [renewal] [due] Next step & more soon")
            let written = try await client.getJSON("/search?q=zanzibar&kind=conversation_part").body["data"]?.arrayValue ?? []
            #expect(written.map { $0["snippet"]?.stringValue } == ["use <em> for [zanzibar]"])
            let named = try await client.getJSON("/search?q=quillfeather&kind=contact").body["data"]?.arrayValue ?? []
            #expect(named.map { $0["snippet"]?.stringValue } == ["<i>Ann</i> [Quillfeather]"])
            for word in ["zorblax", "quimby", "ann"] {
                let hits = try await client.getJSON("/search?q=\(word)&kind=contact").body["data"]?.arrayValue ?? []
                #expect(hits.map { $0["id"]?.stringValue } == [word == "ann" ? contact : hostile], "\(word)")
            }
            for tag in ["p", "b", "br", "href", "https"] {
                let hits = try await client.getJSON("/search?q=\(tag)&kind=conversation,conversation_part,note&limit=100").body["data"]?.arrayValue
                #expect(hits?.isEmpty == true, "\(tag) matched \(hits?.count ?? -1) bodies")
            }
        }
        #expect(HTMLText.plain("re<b>new</b>al<script>x()</script><!-- c --> &#x2014;&#39;ok&#39; 1 &lt; 2") == "renewal —'ok' 1 < 2")
    }

    @Test(arguments: TestEngine.all)
    func searchFollowsWritesAndDeletions(engine: TestEngine) async throws {
        let mirror = try await freshMirror(engine: engine, contacts: 40, conversations: 10)
        let contact = try #require(try await mirror.string("SELECT id FROM contacts LIMIT 1"))
        try await mirror.execute("UPDATE contacts SET name = 'Zebulon Quaxley' WHERE id = ?", contact)
        try await mirror.withAPI { client in
            let found = try await client.getJSON("/search?q=quaxley").body["data"]?.arrayValue ?? []
            #expect(ids(found) == [contact])
            try await mirror.store.write { tx in try tx.delete(Catalog.table("contacts"), id: contact, reason: "test", at: 0) }
            #expect(try await client.getJSON("/search?q=quaxley").body["data"]?.arrayValue?.isEmpty == true)
        }
    }

    /// The index is written in one batch per transaction (see `Schema.flushSearchIndex`): after a full sync and after
    /// updates, replaced child lists and deletions, it holds exactly one document per row with text, with that text.
    @Test(arguments: TestEngine.all)
    func searchIndexHoldsExactlyTheRowsTexts(engine: TestEngine) async throws {
        let mirror = try await freshMirror(engine: engine, contacts: 60, conversations: 20)
        try await #expect(Self.indexMismatches(mirror) == [])
        let contact = try #require(try await mirror.string("SELECT id FROM contacts ORDER BY id LIMIT 1"))
        let conversation = try #require(try await mirror.string(
            "SELECT conversation_id FROM conversation_parts GROUP BY conversation_id HAVING count(*) > 1 LIMIT 1"))
        let raw = try #require(try await mirror.string("SELECT raw FROM conversations WHERE id = ?", conversation))
        try await mirror.store.write { tx in
            try tx.sql.execute("UPDATE contacts SET name = 'Ottoline Brisk' WHERE id = ?", [contact.databaseValue])
            try tx.sql.execute("UPDATE contacts SET name = NULL, email = NULL WHERE id IN (SELECT id FROM contacts WHERE id > ? ORDER BY id LIMIT 8)",
                               [contact.databaseValue])
            try tx.sql.execute("DELETE FROM notes WHERE id IN (SELECT id FROM notes ORDER BY id LIMIT 5)", [])
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
        try await #expect(Self.indexMismatches(mirror) == [])
        try await mirror.withAPI { client in
            let brisk = try await client.getJSON("/search?q=brisk").body["data"]?.arrayValue ?? []
            #expect(ids(brisk) == [contact])
            let part = try await client.getJSON("/search?q=glimmerwick").body["data"]?.arrayValue ?? []
            #expect(part.map { $0["conversation_id"]?.stringValue } == [conversation])
        }
    }

    /// Rows whose document is missing, extra or stale, as `missing:`, `extra:` or `stale:` and `kind:ref`, against a
    /// reference built here from each search source's rows (HTML bodies as `HTMLText.plain` reads them, several text
    /// columns joined by a space and trimmed, empty texts left out), and rows the index still has to take.
    static func indexMismatches(_ mirror: SyncedMirror) async throws -> [String] {
        var expected: [String: String] = [:]
        for source in Catalog.searchSources {
            let columns = source.text.map { "\"\($0)\"" }.joined(separator: ", ")
            for row in try await mirror.rows("SELECT id, \(columns) FROM \"\(source.table)\"") {
                let texts = source.text.enumerated().map { offset, column in
                    let value = row[offset + 1].string ?? ""
                    return source.html.contains(column) ? HTMLText.plain(value) : value
                }
                let body = texts.count == 1 ? texts[0] : texts.joined(separator: " ").trimmingCharacters(in: [" "])
                if !body.isEmpty { expected["\(source.kind):\(row[0].string ?? "")"] = body }
            }
        }
        // FTS5's table on SQLite, a table with a tsvector column on PostgreSQL: both keep kind, ref and the text.
        let index = mirror.engine == .sqlite ? "search_index" : "search_documents"
        var indexed: [String: String] = [:], mismatches: [String] = []
        for row in try await mirror.rows("SELECT kind, ref, body FROM \(index)") {
            let key = "\(row[0].string ?? ""):\(row[1].string ?? "")"
            if indexed.updateValue(row[2].string ?? "", forKey: key) != nil { mismatches.append("repeated:\(key)") }
        }
        for key in Set(expected.keys).union(indexed.keys).sorted() where expected[key] != indexed[key] {
            mismatches.append(expected[key] == nil ? "extra:\(key)" : indexed[key] == nil ? "missing:\(key)" : "stale:\(key)")
        }
        mismatches += try await mirror.strings("SELECT 'unflushed:' || kind || ':' || ref FROM search_pending")
        if mirror.engine == .sqlite {
            // FTS5 documents are found by rowid through search_refs; a ref to a document that is gone is a leak.
            mismatches += try await mirror.strings(
                "SELECT 'orphan ref:' || kind || ':' || ref FROM search_refs WHERE doc NOT IN (SELECT rowid FROM search_index)")
        }
        return mismatches
    }

    @Test(arguments: TestEngine.all)
    func syncStatusReadinessAndMetricsReportTheMirror(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
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

    @Test(arguments: TestEngine.all)
    func anEmptyMirrorIsAliveButNotReady(engine: TestEngine) async throws {
        let path = scratchMirrorPath("intercache-empty")
        let (store, remove) = try await engine.open(path: path)
        let mirror = SyncedMirror(store: store, truth: .null, engine: engine, removal: MirrorRemoval(engine: engine, path: path, remove))
        try await mirror.withAPI { client in
            #expect(try await client.getJSON("/healthz").status == .ok)
            let (status, body, _) = try await client.getJSON("/readyz")
            #expect(status == .serviceUnavailable)
            #expect(errorCode(body) == "not_ready")
            #expect(try await client.getJSON("/contacts").body["data"] == .array([]))
        }
    }
}
