import IntercomAPI
import Foundation
import Hummingbird

/// Intercom 2.16's reading endpoints, with their four pagination styles.
struct IntercomRoutes<Context: RequestContext> {
    let workspace: Workspace

    /// 150 is Intercom's per_page maximum on cursor lists and search.
    static var maxCursorPage: Int { 150 }
    /// Page-number endpoints allow at most 60 per page.
    static var maxNumberedPage: Int { 60 }

    func register(on group: RouterGroup<Context>) {
        group.get("/me") { request, _ in me(request) }
        group.get("/admins") { _, _ in
            let r = workspace.renderer()
            return Response.json(.object([("type", .string("admin.list")), ("admins", .array(r.state.admins.map(r.admin)))]))
        }
        // The simulator keeps no admin activity log; it answers with an empty list rather than a 404.
        group.get("/admins/activity_logs") { _, _ in
            Response.json(.object([("type", .string("activity_log.list")),
                                   ("pages", Self.cursorPages(page: 1, perPage: 20, total: 0, next: nil)),
                                   ("activity_logs", .array([]))]))
        }
        group.get("/admins/:id") { _, context in
            let r = workspace.renderer()
            guard let admin = r.state.admins.first(where: { $0.id == context.parameters.get("id") }) else { throw SimulatorError.notFound("Admin not found") }
            return Response.json(r.admin(admin))
        }
        group.get("/teams") { _, _ in
            let r = workspace.renderer()
            return Response.json(.object([("type", .string("team.list")), ("teams", .array(r.state.teams.map(r.team)))]))
        }
        group.get("/teams/:id") { _, context in
            let r = workspace.renderer()
            guard let team = r.state.teams.first(where: { $0.id == context.parameters.get("id") }) else { throw SimulatorError.notFound("Team not found") }
            return Response.json(r.team(team))
        }
        group.get("/tags") { _, _ in
            let r = workspace.renderer()
            return Response.json(.object([("type", .string("list")), ("data", .array(r.state.tags.map(r.tag)))]))
        }
        group.get("/segments") { request, _ in
            let r = workspace.renderer()
            let withCount = request.uri.queryParameters.get("include_count") == "true"
            var counts: [String: Int] = [:]
            if withCount {
                for c in r.state.visibleContacts { for s in c.segmentIds { counts[s, default: 0] += 1 } }
            }
            return Response.json(.object([("type", .string("segment.list")), ("segments", .array(r.state.segments.map {
                r.segment($0, count: withCount ? counts[$0.id] ?? 0 : nil)
            }))]))
        }
        group.get("/data_attributes") { request, _ in
            let r = workspace.renderer()
            let model = request.uri.queryParameters.get("model")
            guard model == nil || model == "contact" || model == "company" || model == "conversation" else {
                throw SimulatorError.badRequest("model must be contact, company or conversation")
            }
            return Response.json(.object([("type", .string("list")), ("data", .array(r.state.dataAttributes.filter {
                model == nil || $0.model == model
            }.map(r.dataAttribute)))]))
        }
        group.get("/articles") { request, _ in
            let r = workspace.renderer()
            return try numberedPage(request, items: r.state.articles.map(r.article), defaultPerPage: 25, listType: "list", key: "data")
        }
        group.get("/events") { request, _ in try events(request) }
        registerContacts(on: group)
        registerCompanies(on: group)
        registerConversations(on: group)
        registerTickets(on: group)
    }

    func me(_ request: Request) -> Response {
        let r = workspace.renderer()
        let admin = r.state.admins[0]
        return .json(.object([
            ("type", .string("admin")), ("id", .string(admin.id)), ("email", .string(admin.email)), ("name", .string(admin.name)),
            ("email_verified", .bool(true)),
            ("app", .object([("type", .string("app")), ("id_code", .string(workspace.appId)), ("name", .string("Simulated Workspace")),
                             ("created_at", .int(Generator.anchor - Generator.span)), ("secure", .bool(false)),
                             ("identity_verification", .bool(false)), ("timezone", .string(workspace.options.timezone)),
                             ("region", .string(workspace.options.region))])),
            ("avatar", .object([("type", .string("avatar")), ("image_url", .null)])), ("has_inbox_seat", .bool(true)),
        ]))
    }

    func events(_ request: Request) throws -> Response {
        let q = request.uri.queryParameters
        guard q.get("type") == "user" else { throw SimulatorError.badRequest("type must be user", code: "parameter_invalid") }
        guard q.get("summary") == "true" else { throw SimulatorError.badRequest("only summary=true is simulated") }
        guard let userId = q.get("intercom_user_id") ?? q.get("user_id") else {
            throw SimulatorError.badRequest("intercom_user_id, user_id or email is required", code: "parameter_not_found")
        }
        let contact = try workspace.read { s throws(SimulatorError) in
            guard let c = s.contact(userId) ?? s.contacts.first(where: { $0.externalId == userId }), c.state == .active else {
                throw SimulatorError.notFound("User Not Found")
            }
            return c
        }
        return .json(.object([
            ("type", .string("event.summary")), ("email", .string(contact.email ?? "")),
            ("intercom_user_id", .string(contact.id)), ("user_id", .string(contact.externalId ?? "")),
            ("events", .array(contact.eventSummaries)),
        ]))
    }

    /// Page-number pagination: `page` and `per_page`, `pages.next` as an absolute URL or null.
    func numberedPage(_ request: Request, items: [JSON], defaultPerPage: Int, listType: String, key: String,
                      totalCount: Int? = nil) throws -> Response {
        let perPage = try request.intQuery("per_page", default: defaultPerPage, range: 1...Self.maxNumberedPage)
        let page = try request.intQuery("page", default: 1, range: 1...Int.max / 1_000)
        let totalPages = (items.count + perPage - 1) / perPage
        let slice = items.dropFirst((page - 1) * perPage).prefix(perPage)
        var nextURL: JSON = .null
        if page < totalPages {
            var components = URLComponents(string: request.baseURL + request.uri.path)!
            var query = (URLComponents(string: request.uri.description)?.queryItems ?? []).filter { $0.name != "page" }
            query.append(URLQueryItem(name: "page", value: String(page + 1)))
            components.queryItems = query
            nextURL = .string(components.string ?? "")
        }
        return .json(.object([
            ("type", .string(listType)),
            (key, .array(Array(slice))),
            ("total_count", .int(totalCount ?? items.count)),
            ("pages", .object([("type", .string("pages")), ("next", nextURL), ("page", .int(page)),
                               ("per_page", .int(perPage)), ("total_pages", .int(totalPages))])),
        ]))
    }

    /// Intercom's cursor `pages` object; `next` is absent on the last page.
    static func cursorPages(page: Int, perPage: Int, total: Int, next: String?) -> JSON {
        var pages: [(String, JSON)] = [("type", .string("pages"))]
        if let next { pages.append(("next", .object([("page", .int(page + 1)), ("starting_after", .string(next))]))) }
        pages += [("page", .int(page)), ("per_page", .int(perPage)), ("total_pages", .int((total + perPage - 1) / perPage))]
        return .object(pages)
    }

    /// Cursor pagination over seq-ordered records: `starting_after` is an opaque position.
    func cursorPage(_ request: Request, seqs: [Int], perPage: Int, render: ([Int]) -> [JSON], listType: String, key: String) throws -> Response {
        var start = 0
        if let cursor = request.uri.queryParameters.get("starting_after") {
            guard let data = Data(base64Encoded: cursor), let text = String(data: data, encoding: .utf8),
                  text.hasPrefix("seq:"), let after = Int(text.dropFirst(4)) else {
                throw SimulatorError.badRequest("starting_after is not a valid cursor")
            }
            var low = 0, high = seqs.count
            while low < high { let mid = (low + high) / 2; if seqs[mid] <= after { low = mid + 1 } else { high = mid } }
            start = low
        }
        let page = Array(seqs[min(start, seqs.count)..<min(start + perPage, seqs.count)])
        let next = start + perPage < seqs.count ? page.last.map { Data("seq:\($0)".utf8).base64EncodedString() } : nil
        let pages = Self.cursorPages(page: start / perPage + 1, perPage: perPage, total: seqs.count, next: next)
        return .json(.object([("type", .string(listType)), (key, .array(render(page))), ("total_count", .int(seqs.count)),
                              ("pages", pages)]))
    }
}

extension SimContact {
    /// Event summaries are derived from the contact's seq, so they are stable per seed.
    var eventSummaries: [JSON] {
        let names = ["signed-up", "invited-teammate", "exported.report", "paid 💰"]
        // FoundationEssentials' style, not ISO8601DateFormatter: a formatter per request was a fifth of the simulator's CPU.
        let formatter = Date.ISO8601FormatStyle()
        return names.enumerated().compactMap { index, name in
            guard (seq + index) % 3 != 0 else { return nil }
            let count = (seq % 17) + index + 1
            let first = createdAt + index * 3_600
            return .object([
                ("name", .string(name)),
                ("first", .string(formatter.format(Date(timeIntervalSince1970: TimeInterval(first))))),
                ("last", .string(formatter.format(Date(timeIntervalSince1970: TimeInterval(first + count * 86_400))))),
                ("count", .int(count)), ("description", .string("")),
            ])
        }
    }
}
