import IntercomAPI
import Hummingbird

/// Ticket mutations of the control surface. Each records the parts Intercom would (a state change, an assignment, an
/// attribute update), moves `updated_at` to the simulator clock, and sends the ticket webhook topic it fires.
extension ControlRoutes {
    func registerTicketControls(on group: RouterGroup<Context>) {
        group.post("/tickets") { request, _ in try await createTicket(request) }
        group.patch("/tickets/:id") { request, context in try await updateTicket(request, context) }
        group.post("/tickets/:id/parts") { request, context in try await addTicketPart(request, context) }
        group.delete("/tickets/:id") { _, context in
            let id = try context.parameters.require("id")
            let now = workspace.now()
            try workspace.mutate { s throws(SimulatorError) in
                guard let i = s.ticketIndex[id], s.tickets[i].deletedAt == nil else { throw .notFound("Ticket not found") }
                s.tickets[i].deletedAt = now
                s.tickets[i].changedAt = now
            }
            // Deletion topics carry only the identifying fields.
            notify("ticket.deleted", .object([("type", .string("ticket")), ("id", .string(id))]))
            return Response.json(.object([("id", .string(id)), ("object", .string("ticket")), ("deleted", .bool(true))]))
        }
    }

    func createTicket(_ request: Request) async throws -> Response {
        let body = try await request.jsonBody()
        let now = workspace.now()
        let id = try workspace.mutate { s throws(SimulatorError) in
            let typeId = body["ticket_type_id"]?.idValue ?? s.ticketTypes.first(where: { !$0.archived })?.id ?? ""
            guard let type = s.ticketType(typeId) else { throw .badRequest("ticket_type_id must name a ticket type") }
            let contacts = Self.strings(body["contact_ids"])
            guard contacts.allSatisfy({ s.contact($0)?.state == .active }) else { throw .badRequest("contact_ids must name active contacts") }
            let seq = s.tickets.count
            let ticket = SimTicket(
                seq: seq, id: String(22_000_000 + seq), ticketNumber: String(seq + 1), typeId: type.id, stateId: "8500",
                previousStateId: nil,
                attributes: [("_default_title_", .string(body["title"]?.stringValue ?? "New ticket")), ("_default_description_", .null)],
                contactIds: contacts, adminAssigneeId: body["admin_assignee_id"]?.idValue, teamAssigneeId: nil,
                createdAt: now, updatedAt: now, snoozedUntil: nil, links: [], tagIds: [], isShared: type.category == "Customer",
                parts: [], changedAt: now)
            s.tickets.append(ticket)
            s.ticketIndex[ticket.id] = seq
            return ticket.id
        }
        let item = renderedTicket(id)
        notify("ticket.created", item)
        return .json(item)
    }

    /// `state` (a category or a state id), `admin_assignee_id` and `team_assignee_id` (0 or null unassigns),
    /// `attributes`, `tag_ids`, `link_conversation_id`; `admin_id` names who did it.
    func updateTicket(_ request: Request, _ context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        let body = try await request.jsonBody()
        let now = workspace.now()
        let topics = try workspace.mutate { s throws(SimulatorError) -> [String] in
            guard let i = s.ticketIndex[id], s.tickets[i].deletedAt == nil else { throw .notFound("Ticket not found") }
            let at = body["updated_at"]?.intValue ?? now
            let admin = body["admin_id"]?.idValue ?? s.admins[0].id
            var topics: [String] = []
            func record(_ part: SimTicketPart) { s.tickets[i].parts.append(part) }
            if let target = body["state"]?.stringValue {
                let state = s.ticketState(target) ?? s.ticketStates.first { $0.category == target && !$0.archived }
                guard let state else { throw .badRequest("state must be a state id or category") }
                let from = s.stateCategory(of: s.tickets[i])
                if state.id != s.tickets[i].stateId {
                    s.tickets[i].previousStateId = s.tickets[i].stateId
                    s.tickets[i].stateId = state.id
                    record(SimTicketPart(id: s.nextTicketPartID(s.tickets[i]), partType: "ticket_state_updated_by_admin", body: nil,
                                         createdAt: at, authorType: "admin", authorId: admin, previousState: from, newState: state.category))
                    topics.append("ticket.state.updated")
                }
            }
            for (key, kind) in [("admin_assignee_id", "admin"), ("team_assignee_id", "team")] {
                guard let value = body[key] else { continue }
                let assignee = value.stringValue ?? value.intValue.flatMap { $0 == 0 ? nil : String($0) }
                let current = kind == "admin" ? s.tickets[i].adminAssigneeId : s.tickets[i].teamAssigneeId
                guard assignee != current else { continue }
                if kind == "admin" { s.tickets[i].adminAssigneeId = assignee } else { s.tickets[i].teamAssigneeId = assignee }
                record(SimTicketPart(id: s.nextTicketPartID(s.tickets[i]), partType: "assignment", body: nil, createdAt: at,
                                     authorType: "admin", authorId: admin, assignedTo: assignee.map { (type: kind, id: $0) }))
                topics.append("ticket.\(kind).assigned")
            }
            if case let .object(values)? = body["attributes"], let type = s.ticketType(s.tickets[i].typeId) {
                for (name, value) in values {
                    s.tickets[i].attributes.removeAll { $0.0 == name }
                    s.tickets[i].attributes.append((name, value))
                    if let attribute = type.attributes.first(where: { $0.name == name }) {
                        record(SimTicketPart(id: s.nextTicketPartID(s.tickets[i]), partType: "ticket_attribute_updated_by_admin", body: nil,
                                             createdAt: at, authorType: "admin", authorId: admin,
                                             attribute: (id: attribute.id, label: attribute.name, value: value)))
                    }
                }
                topics.append("ticket.attribute.updated")
            }
            if body["tag_ids"] != nil { s.tickets[i].tagIds = Self.strings(body["tag_ids"]) }
            if let conversation = body["link_conversation_id"]?.idValue { s.tickets[i].links.append((type: "conversation", id: conversation)) }
            s.tickets[i].updatedAt = at
            s.tickets[i].changedAt = now
            return topics
        }
        let item = renderedTicket(id)
        for topic in topics.isEmpty ? ["ticket.attribute.updated"] : topics { notify(topic, item) }
        return .json(item)
    }

    /// `part_type` comment or note, `author_type` admin or user, `body`, `count`.
    func addTicketPart(_ request: Request, _ context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        let body = try await request.jsonBody()
        let now = workspace.now()
        try workspace.mutate { s throws(SimulatorError) in
            guard let i = s.ticketIndex[id], s.tickets[i].deletedAt == nil else { throw .notFound("Ticket not found") }
            let authorType = body["author_type"]?.stringValue ?? "admin"
            guard authorType == "admin" || !s.tickets[i].contactIds.isEmpty else { throw .badRequest("the ticket has no contact to reply") }
            for _ in 0..<max(1, body["count"]?.intValue ?? 1) {
                s.tickets[i].parts.append(SimTicketPart(
                    id: s.nextTicketPartID(s.tickets[i]), partType: body["part_type"]?.stringValue ?? "comment",
                    body: body["body"]?.stringValue ?? "<p>Reply at \(now)</p>", createdAt: now, authorType: authorType,
                    authorId: authorType == "admin" ? s.admins[0].id : s.tickets[i].contactIds[0]))
            }
            s.tickets[i].updatedAt = now
            s.tickets[i].changedAt = now
        }
        let topic = body["part_type"]?.stringValue == "note" ? "ticket.note.created"
            : body["author_type"]?.stringValue == "user" ? "ticket.contact.replied" : "ticket.admin.replied"
        let item = renderedTicket(id)
        notify(topic, item)
        return .json(item)
    }

    func renderedTicket(_ id: String) -> JSON {
        let r = workspace.renderer()
        return r.state.ticket(id).map { r.ticket($0) } ?? .null
    }
}
