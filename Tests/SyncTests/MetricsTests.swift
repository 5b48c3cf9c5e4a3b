import Foundation
import GRDB
import IntercomAPI
import IntercomSimulator
import MirrorStore
import Sync
import TestSupport
import Testing

/// `conversation_metrics` against a reference computed here, independently, from the conversations as the simulator
/// serves them over its API (not from the mirror), on a workspace of another seed and shape than the other suites.
@Suite struct MetricsTests {
    /// The definitions of the analytics issue, computed from one conversation's JSON in one pass over its parts.
    static func reference(_ conversation: JSON) -> [String: String] {
        struct P { let id: Int, type: String, author: String, authorID: String?, body: String, at: Int, toType: String?, toID: String? }
        let parts = (conversation["conversation_parts"]?["conversation_parts"]?.arrayValue ?? []).map { p in
            P(id: Int(p["id"]?.idValue ?? "") ?? 0, type: p["part_type"]?.stringValue ?? "", author: p["author"]?["type"]?.stringValue ?? "",
              authorID: p["author"]?["id"]?.idValue, body: p["body"]?.stringValue ?? "", at: p["created_at"]?.intValue ?? 0,
              toType: p["assigned_to"]?["type"]?.stringValue, toID: p["assigned_to"]?["id"]?.idValue)
        }.sorted { ($0.at, $0.id) < ($1.at, $1.id) }
        let created = conversation["created_at"]?.intValue ?? 0
        let contactTypes: Set = ["user", "lead", "contact"]
        let sourceByContact = contactTypes.contains(conversation["source"]?["author"]?["type"]?.stringValue ?? "")
        var out: [String: String] = ["count_parts": String(parts.count)]
        var firstContact: Int? = sourceByContact ? created : nil
        var waiting: Int? = firstContact
        var replyTimes: [Int] = []
        var counts = (assignments: 0, reopens: 0, adminComments: 0, contactComments: 0)
        func keepFirst(_ key: String, _ value: String?) { if out[key] == nil, let value { out[key] = value } }
        for p in parts {
            let assignment = p.type.contains("assignment")
            let reply = p.author == "admin" && (p.type == "comment" || assignment) && !p.body.trimmingCharacters(in: .whitespaces).isEmpty
            let contactComment = p.type == "comment" && contactTypes.contains(p.author)
            if contactComment {
                counts.contactComments += 1
                if firstContact == nil { firstContact = p.at }
                if waiting == nil { waiting = p.at }
            }
            if p.type == "comment" && p.author == "admin" { counts.adminComments += 1 }
            if reply {
                keepFirst("first_admin_reply_at", String(p.at))
                out["last_admin_reply_at"] = String(p.at)
                if let since = waiting { replyTimes.append(p.at - since); waiting = nil }
            }
            if assignment {
                counts.assignments += 1
                keepFirst("first_assignment_at", String(p.at))
                out["last_assignment_at"] = String(p.at)
                if p.toType == "team" { keepFirst("first_team_id", p.toID); out["last_team_id"] = p.toID }
            }
            if p.type == "close" {
                keepFirst("first_close_at", String(p.at))
                out["last_close_at"] = String(p.at)
                if p.author == "admin" {
                    keepFirst("first_admin_close_at", String(p.at))
                    out["last_admin_close_at"] = String(p.at)
                    out["last_closed_by_admin_id"] = p.authorID
                }
            }
            if p.type == "open" { counts.reopens += 1 }
        }
        out["first_contact_message_at"] = firstContact.map(String.init)
        out["count_assignments"] = String(counts.assignments)
        out["count_reopens"] = String(counts.reopens)
        out["count_admin_replies"] = String(counts.adminComments)
        out["count_contact_replies"] = String(counts.contactComments)
        func minus(_ key: String?, from start: Int?) -> String? {
            guard let key, let end = out[key].flatMap({ Int($0) }), let start else { return nil }
            return String(end - start)
        }
        out["time_to_first_assignment"] = minus("first_assignment_at", from: created)
        out["time_to_first_response"] = minus("first_admin_reply_at", from: created)
        out["time_to_first_close"] = minus("first_close_at", from: firstContact)
        out["time_to_last_close"] = minus("last_close_at", from: firstContact)
        if !replyTimes.isEmpty { out["median_time_to_reply"] = String(replyTimes.sorted()[(replyTimes.count - 1) / 2]) }
        return out
    }

    /// The mirror's metrics of `id` by column name (NULL left out), or nil without a row.
    static func mirrored(_ reader: MirrorReader, _ id: String) async throws -> [String: String]? {
        guard let row = try await reader.item(.conversationMetrics, id: id) else { return nil }
        var out: [String: String] = [:]
        for (column, value) in zip(TableSpec.conversationMetrics.columns, row) where !column.name.hasPrefix("intercom_") {
            if let text = value.string, !["conversation_id", "parts_truncated"].contains(column.name) { out[column.name] = text }
        }
        return out
    }

    /// Every conversation whose parts Intercom served whole: its mirrored metrics equal the reference; returns how many.
    static func compare(_ rig: SyncRig) async throws -> Int {
        let reader = MirrorReader(store: rig.store)
        let ids = try await rig.strings("SELECT id FROM conversations ORDER BY id")
        var compared = 0
        for id in ids {
            let served = try await rig.client.send(IntercomRequest(.get, "/conversations/\(id)"))
            let total = served["conversation_parts"]?["total_count"]?.intValue ?? 0
            guard (served["conversation_parts"]?["conversation_parts"]?.arrayValue?.count ?? 0) == total else { continue }
            let mirrored = try #require(try await mirrored(reader, id), "no metrics row for \(id)")
            #expect(mirrored == reference(served), "conversation \(id)")
            compared += 1
        }
        return compared
    }

    static func options() -> SimulatorOptions {
        var options = rigOptions(seed: 4242)
        options.contacts = 200
        options.conversations = 90
        options.partsPerConversation = 14
        return options
    }

    @Test(arguments: TestEngine.all)
    func metricsEqualAReferenceComputedFromTheServedConversations(engine: TestEngine) async throws {
        try await withRig(Self.options(), engine: engine) { rig in
            try await rig.sync()
            #expect(try await Self.compare(rig) >= 80)
            // New parts (a user writes, an admin answers, an admin closes) reach the metrics with the next pass.
            let ids = try await rig.strings("SELECT id FROM conversations ORDER BY id LIMIT 5")
            for id in ids {
                try await rig.control(.post, "/conversations/\(id)/parts", .object([("author_type", .string("user")), ("body", .string("again?"))]))
                try await rig.control(.post, "/conversations/\(id)/parts", .object([("author_type", .string("admin")), ("body", .string("on it"))]))
                try await rig.control(.post, "/conversations/\(id)/parts", .object([("part_type", .string("close")), ("body", .string(""))]))
            }
            try await rig.sync()
            #expect(try await Self.compare(rig) >= 80)
            // A deleted conversation takes its metrics with it.
            try await rig.control(.post, "/conversations/\(ids[0])", verb: "DELETE")
            try await rig.sync()
            #expect(try await Self.mirrored(MirrorReader(store: rig.store), ids[0]) == nil)
        }
    }

    /// A mirror made before the table: opening it adds `conversation_metrics` and fills every conversation's row.
    /// SQLite only: it rewinds the file's GRDB migration `v7-conversation-metrics`; PostgreSQL mirrors have had the table
    /// since their first migration.
    @Test func anOlderMirrorGetsEveryConversationsMetricsWhenOpened() async throws {
        try await withRig(Self.options()) { rig in
            try await rig.sync()
            try await rig.store.write { tx in
                try tx.db.execute(sql: "DROP TABLE conversation_metrics; DELETE FROM grdb_migrations WHERE identifier = 'v7-conversation-metrics'")
            }
            _ = try MirrorDatabase(path: rig.databasePath)
            let (rows, conversations) = try await rig.store.read { db in
                (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM conversation_metrics") ?? 0,
                 try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM conversations") ?? 0)
            }
            #expect(rows == conversations && rows > 0)
            #expect(try await Self.compare(rig) >= 80)
        }
    }

    /// The simulator's own per-admin medians, computed by its code from its parts, equal the mirror's scorecard.
    @Test(arguments: TestEngine.all)
    func adminScorecardMediansEqualTheSimulatorsOwn(engine: TestEngine) async throws {
        var options = Self.options()
        options.seed = 777
        options.conversations = 240
        options.partsPerConversation = 8
        try await withRig(options, engine: engine) { rig in
            try await rig.sync()
            let truth = rig.workspace.groundTruth()
            try #require(truth["truncated_conversations"]?.intValue == 0, "the truth counts parts Intercom does not serve")
            let rows = try await MirrorReader(store: rig.store).scorecard(.admins, from: nil, to: nil)
            var compared = 0
            guard case let .object(admins)? = truth["admin_scorecards"] else { Issue.record("no admin_scorecards"); return }
            for (admin, expected) in admins {
                let row = try #require(rows.first { $0.id == admin }, "no scorecard row for admin \(admin)")
                func figure(_ name: String) -> Int? { row.figures.first { $0.name == name }?.value.map { Int($0) } }
                #expect(figure("conversations_assigned") == expected["conversations"]?.intValue, "admin \(admin)")
                #expect(figure("median_time_to_first_response") == expected["median_time_to_first_response"]?.intValue, "admin \(admin)")
                #expect(figure("median_time_to_last_close") == expected["median_time_to_last_close"]?.intValue, "admin \(admin)")
                compared += 1
            }
            #expect(compared >= 8)
        }
    }

    /// Intercom's statistics as the simulator serves them agree with our metrics where the definitions meet: in a
    /// conversation a contact opened, whose parts were served whole (no office hours are simulated).
    @Test(arguments: TestEngine.all)
    func intercomsStatisticsAgreeWithOursWhereTheDefinitionsMeet(engine: TestEngine) async throws {
        try await withRig(Self.options(), engine: engine) { rig in
            try await rig.sync()
            let pairs = [("intercom_time_to_admin_reply", "time_to_first_response"), ("intercom_time_to_last_close", "time_to_last_close"),
                         ("intercom_count_reopens", "count_reopens"), ("intercom_count_assignments", "count_assignments"),
                         ("intercom_median_time_to_reply", "median_time_to_reply"), ("intercom_count_conversation_parts", "count_parts"),
                         ("intercom_last_closed_by_id", "last_closed_by_admin_id")]
            // IS DISTINCT FROM is SQLite's `IS NOT` (NULL equals NULL), spelt as both engines know it.
            var differing: [Int] = []
            for (theirs, ours) in pairs {
                differing.append(try await rig.int("""
                    SELECT COUNT(*) FROM conversation_metrics m JOIN conversations c ON c.id = m.conversation_id
                    WHERE m.parts_truncated = 0 AND c.source_author_type = 'user' AND m.\(theirs) IS DISTINCT FROM m.\(ours)
                    """) ?? -1)
            }
            let compared = try await rig.int("""
                SELECT COUNT(*) FROM conversation_metrics m JOIN conversations c ON c.id = m.conversation_id
                WHERE m.parts_truncated = 0 AND c.source_author_type = 'user' AND m.intercom_count_conversation_parts IS NOT NULL
                """) ?? 0
            #expect(differing == pairs.map { _ in 0 }, "conversations differing per pair: \(zip(pairs.map(\.0), differing).map { "\($0)=\($1)" })")
            #expect(compared >= 50)
        }
    }
}
