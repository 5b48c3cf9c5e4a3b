import Foundation
import GRDB
import IntercomAPI
import IntercomSimulator
import MirrorStore
import Sync
import TestSupport
import Testing

/// Tickets: no list endpoint, parts capped at 500, typed attributes, links both ways, deletions without a feed.
@Suite struct TicketSyncTests {
    static func ticketOptions(seed: UInt64 = 41) -> SimulatorOptions {
        var options = rigOptions(seed: seed)
        options.tickets = 120
        return options
    }

    /// The simulator's tickets in the mirror's terms: per ticket its state, assignees, contacts, links and tags.
    static func truthRows(_ workspace: Workspace) -> [String: String] {
        workspace.read { s in
            var rows: [String: String] = [:]
            for t in s.visibleTickets {
                rows[t.id] = [t.stateId, t.adminAssigneeId ?? "-", t.teamAssigneeId ?? "-", s.stateCategory(of: t) == "resolved" ? "0" : "1",
                              t.contactIds.sorted().joined(separator: ","), t.links.map { "\($0.type):\($0.id)" }.sorted().joined(separator: ","),
                              t.tagIds.sorted().joined(separator: ","), String(t.parts.count)].joined(separator: "|")
            }
            return rows
        }
    }

    /// The mirror's tickets in the same terms. The lists are joined here, in the byte order the engines sort ids in
    /// (`group_concat` and `string_agg` are spelt differently, and only newer SQLite orders inside an aggregate).
    static func mirrorRows(_ store: MirrorDatabase) async throws -> [String: String] {
        try await store.reading { sql in
            func lists(_ query: String) throws -> [String: String] {
                var joined: [String: [String]] = [:]
                for row in try sql.rows(query, [], limit: .max) { joined[row[0].string ?? "", default: []].append(row[1].string ?? "") }
                return joined.mapValues { $0.joined(separator: ",") }
            }
            let contacts = try lists("SELECT ticket_id, contact_id FROM ticket_contacts ORDER BY 1, 2")
            let links = try lists("SELECT ticket_id, linked_type || ':' || linked_id FROM ticket_links ORDER BY 1, 2")
            let tags = try lists("SELECT ticket_id, tag_id FROM ticket_tags ORDER BY 1, 2")
            var rows: [String: String] = [:]
            for row in try sql.rows("""
                SELECT t.id, t.ticket_state_id, COALESCE(t.admin_assignee_id, '-'), COALESCE(t.team_assignee_id, '-'), t.open,
                  t.parts_total_count
                FROM tickets t
                """, [], limit: .max) {
                let id = row[0].string ?? ""
                let text = row.dropFirst().map { $0.string ?? "NULL" }
                rows[id] = (text[..<4] + [contacts[id] ?? "", links[id] ?? "", tags[id] ?? "", text[4]]).joined(separator: "|")
            }
            return rows
        }
    }

    @Test(arguments: TestEngine.all)
    func ticketsOfEveryCategoryConvergeThroughMutationsAnIncrementalPassAndASweep(engine: TestEngine) async throws {
        try await withRig(Self.ticketOptions(), engine: engine) { rig in
            let first = try await rig.sync()
            let ticketsReport = try #require(first.resources.first { $0.resource == .tickets })
            #expect(ticketsReport.status == "ok", "\(ticketsReport.error ?? "")")
            let truth = rig.workspace.groundTruth()
            for category in ["Customer", "Back-office", "Tracker"] {
                #expect((truth["tickets"]?["by_category"]?[category]?.intValue ?? 0) > 0, "no \(category) tickets to test with")
            }
            #expect((truth["tickets"]?["truncated"]?.intValue ?? 0) > 0, "no ticket past the 500-part cap")
            #expect(try await differences(rig) == [])
            #expect(try await Self.mirrorRows(rig.store) == Self.truthRows(rig.workspace))

            // Mutations between the incremental pass and the sweep.
            let (open, resolved, doomed, other) = rig.workspace.read { s in
                let live = Array(s.visibleTickets)
                let open = live.filter { s.stateCategory(of: $0) != "resolved" && !$0.contactIds.isEmpty }
                let resolved = live.filter { s.stateCategory(of: $0) == "resolved" }
                return (open[0].id, resolved[0].id, open[1].id, open[2].id)
            }
            let admin = rig.workspace.read { s in s.admins[3].id }
            try await rig.control(.post, "/tickets/\(open)", .object([("state", .string("resolved"))]), verb: "PATCH")
            try await rig.control(.post, "/tickets/\(resolved)", .object([("state", .string("in_progress")),
                                                                            ("admin_assignee_id", .string(admin))]), verb: "PATCH")
            try await rig.control(.post, "/tickets/\(other)", .object([("team_assignee_id", .int(0)), ("admin_assignee_id", .int(0)),
                                                                         ("tag_ids", .array([.string("81")]))]), verb: "PATCH")
            try await rig.control(.post, "/tickets/\(other)/parts", .object([("author_type", .string("user")), ("count", .int(2))]))
            try await rig.control(.post, "/tickets/\(other)/parts", .object([("part_type", .string("note")), ("body", .string("<p>n</p>"))]))
            try await rig.control(.post, "/tickets/\(doomed)", verb: "DELETE")
            let created = try await rig.control(.post, "/tickets", .object([("title", .string("Made between passes 🧪"))]))

            let incremental = try await rig.sync()
            #expect(incremental.resources.first { $0.resource == .tickets }?.mode == "incremental")
            let afterIncremental = try await Self.mirrorRows(rig.store)
            let expected = Self.truthRows(rig.workspace)
            for id in [open, resolved, other, try #require(created["id"]?.stringValue)] {
                #expect(afterIncremental[id] == expected[id], "ticket \(id)")
            }
            // Search does not show a deleted ticket and Intercom has no feed of deletions: it waits for the sweep.
            #expect(afterIncremental[doomed] != nil)

            let sweep = try await rig.sync(full: true)
            #expect(sweep.resources.first { $0.resource == .tickets }?.deleted == 1)
            #expect(try await Self.mirrorRows(rig.store) == Self.truthRows(rig.workspace))
            #expect(try await differences(rig) == [])
            let reason = try await rig.text("SELECT reason FROM deletions WHERE resource = 'tickets' AND id = ?", [.text(doomed)])
            #expect(reason == "absent_from_full_sweep")
            let leftovers = try await rig.int("""
                SELECT (SELECT COUNT(*) FROM ticket_parts WHERE ticket_id = ?) + (SELECT COUNT(*) FROM ticket_metrics WHERE ticket_id = ?)
                  + (SELECT COUNT(*) FROM ticket_contacts WHERE ticket_id = ?) + (SELECT COUNT(*) FROM ticket_links WHERE ticket_id = ?)
                """, Array(repeating: .text(doomed), count: 4))
            #expect(leftovers == 0)
            try await Self.expectMetricsMatchAnIndependentComputation(rig)
        }
    }

    /// Per ticket, the metrics recomputed here from the parts `GET /tickets/{id}` returns (by other code than
    /// `TicketMetrics`) equal the mirror's `ticket_metrics` row.
    static func expectMetricsMatchAnIndependentComputation(_ rig: SyncRig) async throws {
        let ids = rig.workspace.read { s in s.visibleTickets.map(\.id) }
        var checked = 0, reopened = 0, resolvedTwice = 0
        for id in ids {
            let ticket = try await rig.client.send(IntercomRequest(.get, "/tickets/\(id)"))
            let expected = Self.independentMetrics(ticket)
            let columns = Array(expected.keys)
            let stored: [String: Int?]? = try await rig.namedRows("SELECT * FROM ticket_metrics WHERE ticket_id = ?", [.text(id)]).first
                .map { row in Dictionary(uniqueKeysWithValues: columns.map { ($0, row.int($0)) }) }
            let row = try #require(stored, "no metrics for ticket \(id)")
            let held = try await rig.int("SELECT COUNT(*) FROM ticket_parts WHERE ticket_id = ?", [.text(id)])
            // The same parts on both sides: a mirror that saw parts before the cap pushed them out would hold more.
            #expect(held == ticket["ticket_parts"]?["ticket_parts"]?.arrayValue?.count, "ticket \(id)")
            for (column, value) in expected {
                let held = row[column] ?? nil
                #expect(held == value, "ticket \(id) \(column): mirror \(held.map(String.init) ?? "nil"), expected \(value.map(String.init) ?? "nil")")
            }
            checked += 1
            if let reopens = expected["count_reopens"] ?? nil, reopens > 0 { reopened += 1 }
            if expected["first_resolved_at"] != expected["last_resolved_at"] { resolvedTwice += 1 }
        }
        #expect(checked == ids.count)
        #expect(reopened > 0, "no reopened ticket to test with")
        #expect(resolvedTwice > 0, "no ticket resolved twice to test with")
    }

    /// Walks the parts in time order (ties by numeric id), following the state from the first change's previous state.
    static func independentMetrics(_ ticket: JSON) -> [String: Int?] {
        let created = ticket["created_at"]!.intValue!
        var parts = ticket["ticket_parts"]?["ticket_parts"]?.arrayValue ?? []
        parts.sort { a, b in
            let (x, y) = (a["created_at"]!.intValue!, b["created_at"]!.intValue!)
            return x != y ? x < y : Int(a["id"]!.stringValue!)! < Int(b["id"]!.stringValue!)!
        }
        let changes = parts.filter { p in
            guard let new = p["ticket_state"]?.stringValue else { return false }
            return new != p["previous_ticket_state"]?.stringValue
        }
        var state = changes.first?["previous_ticket_state"]?.stringValue
            ?? ticket["ticket_state"]?["category"]?.stringValue ?? ticket["ticket_state"]!.stringValue!
        var since = created
        var seconds: [String: Int] = ["submitted": 0, "in_progress": 0, "waiting_on_customer": 0, "resolved": 0]
        var resolvedAt: [Int] = [], reopens = 0
        for change in changes {
            let at = change["created_at"]!.intValue!
            seconds[state]! += at - since
            if state == "resolved" { reopens += 1 }
            state = change["ticket_state"]!.stringValue!
            if state == "resolved" { resolvedAt.append(at) }
            since = at
        }
        func visibleText(_ html: String?) -> String {
            (html ?? "").replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let comments = parts.filter { $0["part_type"]?.stringValue == "comment" }
        let adminReplies = comments.filter { $0["author"]?["type"]?.stringValue == "admin" && !visibleText($0["body"]?.stringValue).isEmpty }
        let contactReplies = comments.filter { ["user", "lead", "contact"].contains($0["author"]?["type"]?.stringValue ?? "") }
        let firstReply = adminReplies.first?["created_at"]?.intValue
        return [
            "seconds_submitted": seconds["submitted"], "seconds_in_progress": seconds["in_progress"],
            "seconds_waiting_on_customer": seconds["waiting_on_customer"], "seconds_resolved": seconds["resolved"],
            "current_state_since": since, "count_reopens": reopens, "count_state_changes": changes.count,
            "first_resolved_at": resolvedAt.first, "last_resolved_at": resolvedAt.last,
            "time_to_first_resolved": resolvedAt.first.map { $0 - created }, "time_to_last_resolved": resolvedAt.last.map { $0 - created },
            "count_parts": parts.count, "count_assignments": parts.filter { $0["part_type"]?.stringValue == "assignment" }.count,
            "count_admin_replies": adminReplies.count, "count_contact_replies": contactReplies.count,
            "first_admin_reply_at": firstReply, "time_to_first_admin_reply": firstReply.map { $0 - created },
            "parts_truncated": (ticket["ticket_parts"]?["total_count"]?.intValue ?? 0) > parts.count ? 1 : 0,
        ]
    }

    @Test(arguments: TestEngine.all)
    func ticketTypeAttributesAreReadUnderEitherKeyTheSpecUses(engine: TestEngine) async throws {
        try await withRig(Self.ticketOptions(seed: 43), engine: engine) { rig in
            try await rig.sync(resources: [.ticketTypes, .ticketStates])
            let expected = rig.workspace.groundTruth()["tickets"]?["type_attributes"]?.intValue
            let count = { try await rig.int("SELECT COUNT(*) FROM ticket_type_attributes") }
            #expect(try await count() == expected)
            try await rig.control(.post, "/config", .object([("ticket_type_attributes_key", .string("ticket_type_attributes"))]))
            let listed = try await rig.client.send(IntercomRequest(.get, "/ticket_types"))
            #expect(listed["data"]?.arrayValue?.first?["ticket_type_attributes"]?["data"] == nil, "the simulator did not switch shapes")
            try await rig.sync(full: true, resources: [.ticketTypes])
            #expect(try await count() == expected)
            let archived = try await rig.int("SELECT COUNT(*) FROM ticket_types WHERE archived = 1")
            #expect(archived == 1)
        }
    }

    /// A workspace on the older ticket shape (what Airbyte's connector, pinned to 2.11, expects): `ticket_state` is the
    /// category's string and assignee ids are strings. The mirror still knows each ticket's state category, assignees and
    /// metrics.
    @Test(arguments: TestEngine.all)
    func theOlderTicketShapeStillGivesStatesAssigneesAndMetrics(engine: TestEngine) async throws {
        try await withRig(Self.ticketOptions(seed: 44), engine: engine) { rig in
            try await rig.control(.post, "/config", .object([("ticket_shape", .string("2.11"))]))
            let sample = try await rig.client.send(IntercomRequest(.get, "/tickets/\(rig.workspace.read { $0.tickets[0].id })"))
            try #require(sample["ticket_state"]?.stringValue != nil, "the simulator did not switch shapes")
            let report = try await rig.sync()
            let tickets = try #require(report.resources.first { $0.resource == .tickets })
            #expect(tickets.status == "ok")
            #expect(tickets.drift.isEmpty, "\(tickets.drift)")
            // Everything but the state ids, which the older shape does not carry.
            #expect(try await differences(rig).filter { !$0.hasPrefix("tickets.open_per_state.") } == [])
            let categories = try await rig.int("SELECT COUNT(DISTINCT state_category) FROM tickets")
            let unknown = try await rig.int("SELECT COUNT(*) FROM tickets WHERE state_category IS NULL OR ticket_state_id IS NOT NULL")
            #expect(categories == 4)
            #expect(unknown == 0)
            try await Self.expectMetricsMatchAnIndependentComputation(rig)
        }
    }

    @Test(arguments: TestEngine.all)
    func ticketWebhooksRefetchTheTicketAndTicketDeletedRemovesIt(engine: TestEngine) async throws {
        try await withRig(Self.ticketOptions(seed: 45), engine: engine) { rig in
            try await rig.sync()
            let (moved, gone) = rig.workspace.read { s in
                let open = s.visibleTickets.filter { s.stateCategory(of: $0) != "resolved" }
                return (open[0].id, open[1].id)
            }
            try await rig.control(.post, "/tickets/\(moved)", .object([("state", .string("waiting_on_customer"))]), verb: "PATCH")
            let hint = NotificationHint(kind: .ticket, id: moved)
            let result = try await rig.engine.applyHint(hint, notifications: [
                IntercomNotification(id: "notif-t1", topic: "ticket.state.updated", createdAt: nil, hint: hint),
            ])
            #expect(result.outcome == "upserted")
            let category = try await rig.text("SELECT state_category FROM tickets WHERE id = ?", [.text(moved)])
            let changes = try await rig.int("SELECT count_state_changes FROM ticket_metrics WHERE ticket_id = ?", [.text(moved)])
            #expect(category == "waiting_on_customer")
            let truthChanges = rig.workspace.read { s in s.ticket(moved)!.parts.filter { $0.newState != nil && $0.newState != $0.previousState }.count }
            #expect(changes == truthChanges)

            try await rig.control(.post, "/tickets/\(gone)", verb: "DELETE")
            let deletion = NotificationHint(kind: .ticket, id: gone)
            let deleted = try await rig.engine.applyHint(deletion, notifications: [
                IntercomNotification(id: "notif-t2", topic: "ticket.deleted", createdAt: nil, hint: deletion),
            ])
            #expect(deleted.outcome == "deleted")
            let reason = try await rig.text("SELECT reason FROM deletions WHERE resource = 'tickets' AND id = ?", [.text(gone)])
            #expect(reason == "deleted")
        }
    }

    /// A ticket Intercom's search does not show yet (created within its index lag) but the mirror has from a webhook
    /// is not deleted by a sweep that pages that search.
    @Test(arguments: TestEngine.all)
    func aSweepThroughALaggingSearchKeepsATicketItCouldNotSee(engine: TestEngine) async throws {
        try await withRig(Self.ticketOptions(seed: 48), engine: engine) { rig in
            try await rig.sync()
            try await rig.control(.post, "/config", .object([("search_index_lag", .int(300))]))
            let created = try await rig.control(.post, "/tickets", .object([("title", .string("Too new for search"))]))
            let id = try #require(created["id"]?.stringValue)
            let hint = NotificationHint(kind: .ticket, id: id)
            let applied = try await rig.engine.applyHint(hint, notifications: [
                IntercomNotification(id: "notif-lag", topic: "ticket.created", createdAt: nil, hint: hint),
            ])
            #expect(applied.outcome == "upserted")
            let sweep = try await rig.sync(full: true, resources: [.tickets])
            #expect(sweep.resources.first?.deleted == 0)
            let kept = try await rig.int("SELECT COUNT(*) FROM tickets WHERE id = ?", [.text(id)])
            #expect(kept == 1, "the sweep deleted a ticket search did not show yet")
        }
    }

    /// A mirror made before tickets: opening it adds the ticket tables and their search triggers, and the next sync
    /// fills them and indexes ticket titles. SQLite only: it rewinds the file's GRDB migrations and FTS5 triggers;
    /// PostgreSQL mirrors have had the ticket tables since their first migration.
    @Test func anOlderMirrorGainsTheTicketTablesWhenOpened() async throws {
        try await withRig(Self.ticketOptions(seed: 49)) { rig in
            try await rig.sync(resources: [.admins])
            let ticketTables = Catalog.tables.map(\.name).filter { $0.hasPrefix("ticket") }
            try await rig.store.write { tx in
                for table in ticketTables { try tx.db.execute(sql: "DROP TABLE \(table)") }
                for kind in ["ticket", "ticket_part"] {
                    for event in ["insert", "update", "delete"] { try tx.db.execute(sql: "DROP TRIGGER IF EXISTS search_\(kind)_\(event)") }
                }
                // A mirror from before v8 too: that migration re-indexes every search source, and the ticket tables
                // do not exist yet when it runs (it once failed on them, and the mirror could not be opened).
                try tx.db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier IN ('v8-search-text', 'v9-tickets')")
            }
            let reopened = try MirrorDatabase(path: rig.databasePath)
            let present = try await reopened.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type IN ('table', 'trigger') AND name LIKE '%ticket%'")
            }
            #expect(Set(ticketTables + ["search_ticket_insert", "search_ticket_part_update"]).isSubset(of: Set(present)))
            try await rig.sync(resources: [.tickets])
            let indexed = try await reopened.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM search_index WHERE kind = 'ticket'")
            }
            #expect(indexed == rig.workspace.groundTruth()["tickets"]?["total"]?.intValue)
        }
    }

    @Test(arguments: TestEngine.all)
    func aTokenWithoutTicketsLeavesTicketsUnavailableAndTheRestSynced(engine: TestEngine) async throws {
        var options = Self.ticketOptions(seed: 47)
        options.denials = ["tickets": .tokenUnauthorized]
        try await withRig(options, engine: engine) { rig in
            let report = try await rig.sync()
            let tickets = try #require(report.resources.first { $0.resource == .tickets })
            #expect(tickets.unavailable?.code == "token_unauthorized")
            #expect(tickets.unavailable?.endpoint.contains("/tickets/search") == true)
            #expect(report.resources.filter { $0.resource != .tickets }.allSatisfy { $0.status == "ok" })
            #expect(try await differences(rig).filter { !$0.hasPrefix("tickets.") && !$0.hasPrefix("ticket_parts.") } == [])
        }
    }
}
