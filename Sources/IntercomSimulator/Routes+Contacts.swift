import IntercomAPI
import Hummingbird

extension IntercomRoutes {
    func registerContacts(on group: RouterGroup<Context>) {
        group.get("/contacts") { request, _ in
            let perPage = try request.intQuery("per_page", default: 50, range: 1...Self.maxCursorPage)
            let seqs = workspace.read { s in s.visibleContacts.map(\.seq) }
            let r = workspace.renderer()
            return try cursorPage(request, seqs: seqs, perPage: perPage, render: { $0.map { r.contact(r.state.contacts[$0]) } },
                                  listType: "list", key: "data")
        }
        group.post("/contacts/search") { request, _ in
            let body = try await request.jsonBody()
            // A cursor in the query string is ignored, as Intercom ignores it: the caller gets page 1 again.
            let page = try workspace.search(.contacts, body: body)
            let r = workspace.renderer()
            return Response.json(.object([
                ("type", .string("list")),
                ("data", .array(page.ids.compactMap { r.state.contact($0).map(r.contact) })),
                ("total_count", .int(page.total)),
                ("pages", Self.cursorPages(page: page.number, perPage: page.perPage, total: page.total, next: page.next)),
            ]))
        }
        group.get("/contacts/:id") { _, context in
            let (contact, r) = try activeContact(context)
            return Response.json(r.contact(contact))
        }
        group.get("/contacts/:id/tags") { _, context in
            let (contact, r) = try activeContact(context)
            return Response.json(.object([("type", .string("list")), ("data", .array(contact.tagIds.map(r.tagBasic)))]))
        }
        group.get("/contacts/:id/segments") { _, context in
            let (contact, r) = try activeContact(context)
            return Response.json(.object([("type", .string("list")), ("data", .array(contact.segmentIds.compactMap { id in
                r.state.segments.first { $0.id == id }.map { r.segment($0) }
            }))]))
        }
        group.get("/contacts/:id/companies") { request, context in
            let (contact, r) = try activeContact(context)
            let items = contact.companyIds.compactMap { r.state.company($0) }.filter { $0.state == .active }.map(r.company)
            return try numberedPage(request, items: items, defaultPerPage: 50, listType: "list", key: "data")
        }
        group.get("/contacts/:id/notes") { request, context in
            let (contact, r) = try activeContact(context)
            let items = contact.noteIds.compactMap { r.state.note($0) }.sorted { $0.createdAt > $1.createdAt }.map(r.note)
            return try numberedPage(request, items: items, defaultPerPage: 50, listType: "list", key: "data")
        }
    }

    /// A contact Intercom would return: merged ones answer 410 with a Link to the survivor; deleted and archived 404.
    func activeContact(_ context: Context) throws(SimulatorError) -> (SimContact, Renderer) {
        let r = workspace.renderer()
        guard let id = context.parameters.get("id"), let contact = r.state.contact(id) else { throw .notFound("User Not Found") }
        switch contact.state {
        case .active: return (contact, r)
        case let .merged(into):
            var error = SimulatorError(status: 410, code: "contact_merged",
                                       message: "Contact has been merged into \(into)")
            error.headers = [("Link", "</contacts/\(into)>; rel=\"merged-into\"")]
            throw error
        case .archived, .deleted: throw .notFound("User Not Found")
        }
    }
}
