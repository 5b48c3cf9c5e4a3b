import IntercomAPI
import Hummingbird

extension IntercomRoutes {
    func registerCompanies(on group: RouterGroup<Context>) {
        group.get("/companies") { request, _ in try listCompanies(request) }
        group.post("/companies/list") { request, _ in try listCompanies(request) }
        group.get("/companies/scroll") { request, _ in
            let page = try workspace.scroll(param: request.uri.queryParameters.get("scroll_param"))
            let r = workspace.renderer()
            // The final page has empty data and still carries a scroll_param, as Intercom's does.
            return Response.json(.object([
                ("type", .string("list")), ("data", .array(page.ids.compactMap { r.state.company($0).map(r.company) })),
                ("pages", .null), ("total_count", .null), ("scroll_param", .string(page.param)),
            ]))
        }
        group.get("/companies/:id") { _, context in
            let (company, r) = try activeCompany(context)
            return Response.json(r.company(company))
        }
        group.get("/companies/:id/contacts") { request, context in
            let (company, r) = try activeCompany(context)
            let items = r.state.visibleContacts.filter { $0.companyIds.contains(company.id) }.map(r.contact)
            return try numberedPage(request, items: items, defaultPerPage: 50, listType: "list", key: "data")
        }
        group.get("/companies/:id/segments") { _, context in
            let (company, r) = try activeCompany(context)
            return Response.json(.object([("type", .string("list")), ("data", .array(company.segmentIds.compactMap { id in
                r.state.segments.first { $0.id == id }.map { r.segment($0) }
            }))]))
        }
    }

    func activeCompany(_ context: Context) throws(SimulatorError) -> (SimCompany, Renderer) {
        let r = workspace.renderer()
        guard let id = context.parameters.get("id"), let company = r.state.company(id), company.state == .active else {
            throw .notFound("Company Not Found")
        }
        return (company, r)
    }

    /// Company listing omits companies without users and stops at the listing cap, as Intercom's does.
    func listCompanies(_ request: Request) throws -> Response {
        let r = workspace.renderer()
        let q = request.uri.queryParameters
        var companies = r.state.visibleCompanies.filter { (r.userCounts[$0.id] ?? 0) > 0 }
        if let name = q.get("name") { companies = companies.filter { $0.name == name } }
        if let companyId = q.get("company_id") { companies = companies.filter { $0.companyId == companyId } }
        if let tag = q.get("tag_id") { companies = companies.filter { $0.tagIds.contains(tag) } }
        if let segment = q.get("segment_id") { companies = companies.filter { $0.segmentIds.contains(segment) } }
        if q.get("order") == "desc" { companies.reverse() }
        let capped = Array(companies.prefix(workspace.options.companyListingCap))
        return try numberedPage(request, items: capped.map(r.company), defaultPerPage: 15, listType: "list", key: "data",
                                totalCount: companies.count)
    }
}
