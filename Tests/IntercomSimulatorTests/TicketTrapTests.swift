import IntercomAPI
import Foundation
import IntercomSimulator
import NIOHTTP1
import Testing

/// The traps of Intercom's tickets, as the 2.16 spec and its examples describe them.
@Suite struct TicketTrapTests {
    func filter(_ field: String, _ op: String, _ value: JSON) -> JSON {
        .object([("field", .string(field)), ("operator", .string(op)), ("value", value)])
    }

    func search(_ sim: SimClient, _ query: JSON, perPage: Int = 150, cursor: String? = nil) async throws -> JSON {
        var pagination: [(String, JSON)] = [("per_page", .int(perPage))]
        if let cursor { pagination.append(("starting_after", .string(cursor))) }
        return try await sim.post("/tickets/search", .object([("query", query), ("pagination", .object(pagination))])).json()
    }

    func ids(_ page: JSON) -> [String] { (page["tickets"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue } }

    static let everything: JSON = .object([("field", .string("created_at")), ("operator", .string(">")), ("value", .int(0))])

    @Test func thereIsNoListEndpointOnlyASearchWithTheCursorInTheBody() async throws {
        try await withSimulator { sim, workspace in
            #expect(try await sim.get("/tickets").status == 404)
            let total = workspace.read { s in Array(s.visibleTickets).count }
            let first = try await search(sim, Self.everything, perPage: 7)
            #expect(first["total_count"] == .int(total))
            let cursor = try #require(first["pages"]?["next"]?["starting_after"]?.stringValue)
            // A cursor in the query string is ignored: page 1 again.
            let ignored = try await sim.post("/tickets/search?starting_after=\(cursor)", .object([
                ("query", Self.everything), ("pagination", .object([("per_page", .int(7))])),
            ])).json()
            #expect(ids(ignored) == ids(first))
            var seen = ids(first), next: String? = cursor
            while let position = next {
                let page = try await search(sim, Self.everything, perPage: 7, cursor: position)
                seen += ids(page)
                next = page["pages"]?["next"]?["starting_after"]?.stringValue
            }
            #expect(seen.count == total)
            #expect(Set(seen).count == total)
        }
    }

    @Test func updatedAtGreaterThanIsInclusive() async throws {
        try await withSimulator { sim, workspace in
            let ticket = workspace.read { s in s.tickets[3] }
            let found = ids(try await search(sim, filter("updated_at", ">", .int(ticket.updatedAt))))
            #expect(found.contains(ticket.id))
            let later = ids(try await search(sim, filter("updated_at", ">", .int(ticket.updatedAt + 1))))
            #expect(!later.contains(ticket.id))
        }
    }

    @Test func theInboxTicketNumberIsNotTheIdTheAPITakes() async throws {
        try await withSimulator { sim, workspace in
            let ticket = workspace.read { s in s.tickets[5] }
            let fetched = try await sim.get("/tickets/\(ticket.id)").json()
            #expect(fetched["ticket_id"] == .string(ticket.ticketNumber))
            #expect(ticket.ticketNumber != ticket.id)
            #expect(try await sim.get("/tickets/\(ticket.ticketNumber)").status == 404)
        }
    }

    @Test func categoriesAreSearchedByIntercomsTermsNotByTheirNames() async throws {
        try await withSimulator { sim, workspace in
            let customers = workspace.read { s in s.visibleTickets.filter { s.ticketType($0.typeId)?.category == "Customer" }.count }
            #expect(customers > 0)
            #expect(try await search(sim, filter("category", "=", .string("request")))["total_count"] == .int(customers))
            #expect(try await search(sim, filter("category", "=", .string("Customer")))["total_count"] == .int(0))
            let trackers = try await search(sim, filter("category", "=", .string("tracker")))
            #expect((trackers["tickets"]?.arrayValue ?? []).allSatisfy { $0["category"] == .string("Tracker") })
        }
    }

    @Test func unassignedIsZeroNeverNullAndStatePartsNameCategories() async throws {
        try await withSimulator { sim, _ in
            let page = try await search(sim, Self.everything)
            let tickets = page["tickets"]?.arrayValue ?? []
            #expect(tickets.contains { $0["admin_assignee_id"] == .int(0) })
            #expect(tickets.contains { $0["team_assignee_id"] == .int(0) })
            #expect(tickets.allSatisfy { $0["admin_assignee_id"]?.intValue != nil && $0["team_assignee_id"]?.intValue != nil })
            // Search items carry no parts; the ticket itself does, and a state part names categories, not state ids.
            #expect(tickets.allSatisfy { $0["ticket_parts"] == nil })
            var noOp = 0
            for item in tickets.prefix(40) {
                let ticket = try await sim.get("/tickets/\(item["id"]!.stringValue!)").json()
                for part in ticket["ticket_parts"]?["ticket_parts"]?.arrayValue ?? [] where part["ticket_state"] != nil {
                    #expect(["submitted", "in_progress", "waiting_on_customer", "resolved"].contains(part["ticket_state"]?.stringValue ?? ""))
                    if part["ticket_state"] == part["previous_ticket_state"] { noOp += 1 }
                }
            }
            #expect(noOp > 0, "the creation's no-op state part (submitted to submitted) should appear")
        }
    }

    @Test func partsStopAtTheFiveHundredMostRecentWithTheTotalTold() async throws {
        try await withSimulator { sim, workspace in
            let long = try #require(workspace.read { s in s.tickets.first { $0.parts.count > 500 } })
            let parts = try await sim.get("/tickets/\(long.id)").json().require("ticket_parts")
            let list = try #require(parts["ticket_parts"]?.arrayValue)
            #expect(list.count == 500)
            #expect(parts["total_count"] == .int(long.parts.count))
            #expect(list.last?["id"] == .string(long.parts.last!.id))
        }
    }

    @Test func ticketTypesListTheirAttributesUnderDataOrUnderTheSchemasKey() async throws {
        try await withSimulator { sim, _ in
            let examples = try await sim.get("/ticket_types").json()
            let first = try #require(examples["data"]?.arrayValue?.first)
            #expect(first["ticket_type_attributes"]?["data"]?.arrayValue?.isEmpty == false)
            try await sim.control(.POST, "/config", .object([("ticket_type_attributes_key", .string("ticket_type_attributes"))]))
            let schema = try await sim.get("/ticket_types").json()
            let attributes = try #require(schema["data"]?.arrayValue?.first?["ticket_type_attributes"])
            #expect(attributes["type"] == .string("ticket_type_attributes.list"))
            #expect(attributes["ticket_type_attributes"]?.arrayValue?.count == first["ticket_type_attributes"]?["data"]?.arrayValue?.count)
            let categories = Set((schema["data"]?.arrayValue ?? []).compactMap { $0["category"]?.stringValue })
            #expect(categories == ["Customer", "Back-office", "Tracker"])
            let states = try await sim.get("/ticket_states").json()
            let stateCategories = Set((states["data"]?.arrayValue ?? []).compactMap { $0["category"]?.stringValue })
            #expect(stateCategories == ["submitted", "in_progress", "waiting_on_customer", "resolved"])
        }
    }

    @Test func aDeletedTicketIsGoneFromGetAndSearch() async throws {
        try await withSimulator { sim, workspace in
            let ticket = workspace.read { s in s.tickets[2] }
            try await sim.control(.DELETE, "/tickets/\(ticket.id)")
            #expect(try await sim.get("/tickets/\(ticket.id)").status == 404)
            #expect(!ids(try await search(sim, Self.everything)).contains(ticket.id))
            #expect(try await sim.truth()["tickets"]?["deleted"] == .int(1))
        }
    }
}
