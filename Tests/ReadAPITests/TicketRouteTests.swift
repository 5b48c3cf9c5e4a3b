import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import IntercomAPI
import MirrorStore
import TestSupport
import Testing

/// The read API serves tickets like conversations: lists, items with parts, relations, counts, metrics, search.
@Suite struct TicketRouteTests {
    @Test(arguments: TestEngine.all)
    func ticketListsItemsAndRelationsAgreeWithTheMirror(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        let ticket = try #require(try await mirror.string("""
            SELECT t.id FROM tickets t WHERE EXISTS (SELECT 1 FROM ticket_contacts c WHERE c.ticket_id = t.id)
              AND admin_assignee_id IS NOT NULL ORDER BY parts_total_count DESC, id LIMIT 1 OFFSET 3
            """))
        let contact = try #require(try await mirror.string("SELECT contact_id FROM ticket_contacts WHERE ticket_id = ?", ticket))
        let company = try #require(try await mirror.string(
            "SELECT company_id FROM contact_companies cc JOIN ticket_contacts tc ON tc.contact_id = cc.contact_id LIMIT 1"))
        let admin = try #require(try await mirror.string("SELECT admin_assignee_id FROM tickets WHERE id = ?", ticket))
        let conversation = try #require(try await mirror.string("SELECT linked_id FROM ticket_links WHERE linked_type = 'conversation' LIMIT 1"))
        let linkedTicket = try #require(try await mirror.string("SELECT ticket_id FROM ticket_links WHERE linked_type = 'ticket' LIMIT 1"))
        let expectedParts = try #require(try await mirror.int("SELECT COUNT(*) FROM ticket_parts WHERE ticket_id = ?", ticket))
        try await mirror.withAPI { client in
            let all = try await client.walk("/tickets")
            #expect(all.count == mirror.truth["tickets"]?["total"]?.intValue)

            let (status, item, _) = try await client.getJSON("/tickets/\(ticket)")
            #expect(status == .ok, "\(item.text)")
            #expect(item["ticket_parts"]?.arrayValue?.count == expectedParts)
            #expect(item["contact_ids"]?.arrayValue?.contains(.string(contact)) == true)
            #expect(item["parts_truncated"] == .bool(false))
            #expect(item["ticket_attributes"]?["_default_title_"] != nil)
            let parts = try await client.walk("/tickets/\(ticket)/parts")
            #expect(parts.count == expectedParts)
            let times = parts.compactMap { $0["created_at"]?.intValue }
            #expect(times == times.sorted())

            let (metricsStatus, metrics, _) = try await client.getJSON("/tickets/\(ticket)/metrics")
            #expect(metricsStatus == .ok)
            #expect(metrics["count_parts"]?.intValue == expectedParts)

            for (path, member) in [("/contacts/\(contact)/tickets", ticket), ("/admins/\(admin)/tickets", ticket)] {
                let listed = try await client.walk(path)
                #expect(ids(listed).contains(member), "\(path)")
            }
            let byCompany = try await client.walk("/companies/\(company)/tickets")
            #expect(!byCompany.isEmpty)
            // Linked through ticket_links of type conversation only, never a ticket that happens to share the id.
            let linked = try await client.walk("/conversations/\(conversation)/tickets")
            let expectedLinked = try await mirror.strings(
                "SELECT ticket_id FROM ticket_links WHERE linked_type = 'conversation' AND linked_id = ? ORDER BY 1", conversation)
            #expect(ids(linked).sorted() == expectedLinked)
            let both = try await client.walk("/tickets/\(linkedTicket)/linked_tickets")
            for other in ids(both) {
                let back = try await client.walk("/tickets/\(other)/linked_tickets")
                #expect(ids(back).contains(linkedTicket), "ticket links go both ways")
            }

            let types = try await client.walk("/ticket_types")
            #expect(types.count == mirror.truth["tickets"]?["types"]?.intValue)
            let (_, bug, _) = try await client.getJSON("/ticket_types/1201")
            #expect(bug["ticket_type_attributes"]?.arrayValue?.contains { $0["name"] == .string("priority") } == true)
            let states = try await client.walk("/ticket_states")
            #expect(states.count == mirror.truth["tickets"]?["states"]?.intValue)

            // Attributes filter like custom attributes.
            let high = try await client.walk("/tickets?ticket_attributes.priority=High")
            // The JSON column's key, read with each engine's own operator: json_extract on SQLite, ->> on PostgreSQL's jsonb.
            let priority = engine == .sqlite ? "json_extract(ticket_attributes, '$.priority')" : "ticket_attributes ->> 'priority'"
            let expectedHigh = try await mirror.int("SELECT COUNT(*) FROM tickets WHERE \(priority) = 'High'")
            #expect(high.count == expectedHigh)
            #expect(high.allSatisfy { $0["ticket_attributes"]?["priority"] == .string("High") })
            #expect(!high.isEmpty)

            // Counts and the dashboard summary.
            let (_, perState, _) = try await client.getJSON("/tickets/counts?open=true&group_by=ticket_state_id")
            var open: [String: Int] = [:]
            for row in perState["data"]?.arrayValue ?? [] { open[row["ticket_state_id"]?.stringValue ?? "unassigned"] = row["count"]?.intValue }
            func counts(_ json: JSON?) -> [String: Int] {
                guard case let .object(members)? = json else { return [:] }
                return Dictionary(uniqueKeysWithValues: members.map { ($0.0, $0.1.intValue ?? -1) })
            }
            #expect(open == counts(mirror.truth["tickets"]?["open_per_state"]))
            let (_, summary, _) = try await client.getJSON("/counts")
            #expect(summary["tickets"]?["total"] == mirror.truth["tickets"]?["total"])
            #expect(counts(summary["open_tickets_per_team"]) == counts(mirror.truth["tickets"]?["open_per_team"]))
            #expect(counts(summary["open_tickets_per_admin"]) == counts(mirror.truth["tickets"]?["open_per_admin"]))

            // Metrics filter and sort the list like the conversations' metrics.
            let (sortedStatus, reopened, _) = try await client.getJSON("/tickets?metrics.count_reopens__gte=1&sort=-metrics.time_to_last_resolved&limit=5")
            #expect(sortedStatus == .ok, "\(reopened.text)")

            // Unknown ticket: a JSON 404, not an empty body.
            let (missing, body, _) = try await client.getJSON("/tickets/nope")
            #expect(missing == .notFound)
            #expect(errorCode(body) == "not_found")
        }
    }

    @Test(arguments: TestEngine.all)
    func searchFindsTicketTitlesAndPartsWithTheirTicket(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        try await mirror.withAPI { client in
            let (status, body, _) = try await client.getJSON("/search?q=outage&kind=ticket")
            #expect(status == .ok, "\(body.text)")
            let hits = body["data"]?.arrayValue ?? []
            #expect(!hits.isEmpty)
            #expect(hits.allSatisfy { $0["ticket_id"] == $0["id"] && $0["snippet"]?.stringValue?.contains("[") == true })
            let (_, parts, _) = try await client.getJSON("/search?q=logs&kind=ticket_part")
            let partHits = parts["data"]?.arrayValue ?? []
            #expect(!partHits.isEmpty)
            for hit in partHits.prefix(3) {
                let ticket = try #require(hit["ticket_id"]?.stringValue)
                let listed = try await client.walk("/tickets/\(ticket)/parts")
                #expect(ids(listed).contains(hit["id"]?.stringValue ?? ""))
                #expect(hit["snippet"]?.stringValue?.contains("<") == false, "snippets are text")
            }
        }
    }
}
