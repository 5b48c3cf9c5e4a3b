import IntercomAPI
import Hummingbird

extension IntercomRoutes {
    func registerConversations(on group: RouterGroup<Context>) {
        group.get("/conversations") { request, _ in
            let perPage = try request.intQuery("per_page", default: 20, range: 1...Self.maxCursorPage)
            let seqs = workspace.read { s in s.visibleConversations.map(\.seq) }
            let r = workspace.renderer()
            return try cursorPage(request, seqs: seqs, perPage: perPage,
                                  render: { $0.map { r.conversation(r.state.conversations[$0]) } },
                                  listType: "conversation.list", key: "conversations")
        }
        group.post("/conversations/search") { request, _ in
            let body = try await request.jsonBody()
            let page = try workspace.search(.conversations, body: body)
            let r = workspace.renderer()
            return Response.json(.object([
                ("type", .string("conversation.list")),
                ("conversations", .array(page.ids.compactMap { r.state.conversation($0).map { r.conversation($0) } })),
                ("total_count", .int(page.total)),
                ("pages", Self.cursorPages(page: page.number, perPage: page.perPage, total: page.total, next: page.next)),
            ]))
        }
        group.get("/conversations/deleted") { request, _ in
            let deleted = workspace.read { s in
                s.conversations.compactMap { c in c.deletedAt.map { (c.id, $0) } }.sorted { $0.1 > $1.1 }
            }
            let items: [JSON] = deleted.map { id, at in
                .object([("type", .string("conversation")), ("id", .string(id)), ("metrics_retained", .bool(false)),
                         ("deleted_at", .int(at))])
            }
            return try numberedPage(request, items: items, defaultPerPage: 20, listType: "conversations.list", key: "conversations")
        }
        group.get("/conversations/:id") { _, context in
            let r = workspace.renderer()
            guard let id = context.parameters.get("id"), let conversation = r.state.conversation(id), conversation.deletedAt == nil else {
                throw SimulatorError.notFound("Conversation Not Found")
            }
            let all = r.state.parts(of: conversation)
            return Response.json(r.conversation(conversation, parts: Array(all.suffix(Workspace.partCap))))
        }
    }
}
