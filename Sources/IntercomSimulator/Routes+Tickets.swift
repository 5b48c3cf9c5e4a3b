import IntercomAPI
import Hummingbird

extension IntercomRoutes {
    /// Tickets have no list endpoint (`GET /tickets` is not one): a client pages `POST /tickets/search`, cursor in the body.
    func registerTickets(on group: RouterGroup<Context>) {
        group.post("/tickets/search") { request, _ in
            let body = try await request.jsonBody()
            let page = try workspace.search(.tickets, body: body)
            let r = workspace.renderer()
            return Response.json(.object([
                ("type", .string("ticket.list")),
                ("tickets", .array(page.ids.compactMap { r.state.ticket($0).map { r.ticket($0) } })),
                ("total_count", .int(page.total)),
                ("pages", Self.cursorPages(page: page.number, perPage: page.perPage, total: page.total, next: page.next)),
            ]))
        }
        // The path takes the ticket's `id`; its Inbox number (`ticket_id`) is not found.
        group.get("/tickets/:id") { _, context in
            let r = workspace.renderer()
            guard let id = context.parameters.get("id"), let ticket = r.state.ticket(id), ticket.deletedAt == nil else {
                throw SimulatorError.notFound("Ticket not found")
            }
            return Response.json(r.ticket(ticket, parts: Array(ticket.parts.suffix(Workspace.partCap))))
        }
        group.get("/ticket_types") { _, _ in
            let r = workspace.renderer()
            return Response.json(.object([("type", .string("list")), ("data", .array(r.state.ticketTypes.map(r.ticketType)))]))
        }
        group.get("/ticket_types/:id") { _, context in
            let r = workspace.renderer()
            guard let type = r.state.ticketType(context.parameters.get("id") ?? "") else { throw SimulatorError.notFound("Ticket type not found") }
            return Response.json(r.ticketType(type))
        }
        group.get("/ticket_states") { _, _ in
            let r = workspace.renderer()
            return Response.json(.object([("type", .string("list")), ("data", .array(r.state.ticketStates.map { r.ticketState($0, detailed: true) }))]))
        }
    }
}
