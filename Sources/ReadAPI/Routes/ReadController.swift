import Foundation
import HTTPTypes
import Hummingbird
import IntercomAPI
import MirrorStore
import NIOCore

/// The read routes over the mirror. Each handler parses the query, reads through `MirrorReader`, and encodes.
struct ReadController<Context: RequestContext>: Sendable {
    let reader: MirrorReader
    let streamFailsAfterPages: Int?
    /// The workspace's time zone (from `/me`), the default of aggregates' `tz`.
    var defaultTimeZone: @Sendable () -> String? = { nil }
    /// List pages, group counts, aggregates and scorecards memoised per write generation, like `/counts`.
    let aggregateCache = GenerationCache()

    /// Hummingbird spells a path parameter `:id`; OpenAPI spells it `{id}`.
    static func routerPath(_ path: String) -> RouterPath { RouterPath(path.replacingOccurrences(of: "{id}", with: ":id")) }

    func addRoutes(to router: Router<Context>) {
        for route in RouteTable.lists {
            router.get(Self.routerPath(route.path)) { request, context in
                try await list(request, context: context, route: route)
            }
            router.get(Self.routerPath(route.path + "/counts")) { request, context in
                try await counts(request, context: context, route: route)
            }
            router.get(Self.routerPath(route.path + "/aggregate")) { request, context in
                try await aggregate(request, context: context, route: route)
            }
        }
        for subject in ScorecardSubject.allCases {
            router.get(RouterPath("/\(subject.rawValue)/metrics")) { request, _ in try await scorecard(request, subject: subject) }
        }
        for (parent, segment, view) in Catalog.itemViews {
            router.get(Self.routerPath("/\(parent.name)/{id}/\(segment)")) { _, context in
                try await item(view, id: context.parameters.require("id"))
            }
        }
        for resource in RouteTable.items {
            router.get(Self.routerPath("/\(resource.name)/{id}")) { _, context in
                try await item(resource, id: context.parameters.require("id"))
            }
        }
    }

    // MARK: - Handlers

    func list(_ request: Request, context: Context, route: RouteTable.ListRoute) async throws -> Response {
        let query = try ListQuery(request.queryItems, resource: route.resource, accept: request.headers[.accept])
        let plan = try plan(route, query: query, parentID: context.parameters.get("id"))
        switch query.format {
        case .json:
            return .json(encoded: try await page(route, query: query, plan: plan, key: Self.cacheKey(route.path, request.queryItems, context.parameters.get("id"))))
        case .csv, .ndjson:
            return try await ListStreamer(reader: reader, plan: plan, format: query.format,
                                projection: Projection(resource: route.resource, fields: query.fields),
                                failsAfterPages: streamFailsAfterPages)
                .response(startingAfter: query.cursor, logger: context.logger)
        }
    }

    /// Group counts over the list; one answer per generation and query is computed once.
    func counts(_ request: Request, context: Context, route: RouteTable.ListRoute) async throws -> Response {
        .json(encoded: try await countsAnswer(route, request.queryItems, parentID: context.parameters.get("id")))
    }

    /// Buckets, groups and measures over the list.
    func aggregate(_ request: Request, context: Context, route: RouteTable.ListRoute) async throws -> Response {
        .json(encoded: try await aggregateAnswer(route, request.queryItems, parentID: context.parameters.get("id")))
    }

    // MARK: - Memoised answers, by route and query items: the HTTP handlers and the page at `/` share them

    /// A JSON list page of `route` for the query `items`.
    func listAnswer(_ route: RouteTable.ListRoute, _ items: [(key: String, value: String)], parentID: String? = nil) async throws -> ByteBuffer {
        let query = try ListQuery(items, resource: route.resource, accept: nil)
        return try await page(route, query: query, plan: try plan(route, query: query, parentID: parentID),
                              key: Self.cacheKey(route.path, items, parentID))
    }

    /// Pages are memoised per generation like the counts: a dashboard polls the same page between two writes.
    func page(_ route: RouteTable.ListRoute, query: ListQuery, plan: ListPlan, key: String) async throws -> ByteBuffer {
        try await aggregateCache.answer(key, reader: reader) { [reader] in
            let page = try await reader.page(plan, after: query.cursor, limit: query.limit, counting: query.count)
            return ByteBuffer(bytes: RowEncoder.page(page, Projection(resource: route.resource, fields: query.fields)))
        }
    }

    /// Group counts over the list; one answer per generation and query is computed once.
    func countsAnswer(_ route: RouteTable.ListRoute, _ items: [(key: String, value: String)], parentID: String? = nil) async throws -> ByteBuffer {
        let query = try ListQuery(items, resource: route.resource, accept: nil, counts: true)
        let plan = try plan(route, query: query, parentID: parentID)
        return try await memoised(Self.cacheKey(route.path + "/counts", items, parentID)) { [reader] in
            let groups = try await reader.groups(plan).map { group in
                JSON.object(zip(plan.groupBy, group.values).map { column, value in (column.name, RowEncoder.value(value, kind: column.kind)) }
                            + [("count", .int(group.count))])
            }
            return JSON.object([("data", .array(groups))])
        }
    }

    /// Buckets, groups and measures over the list; one answer per generation and query is computed once.
    func aggregateAnswer(_ route: RouteTable.ListRoute, _ items: [(key: String, value: String)], parentID: String? = nil) async throws -> ByteBuffer {
        let query = try AggregateQuery(items, resource: route.resource, defaultTimeZone: defaultTimeZone())
        let list = try plan(route, query: query.list, parentID: parentID)
        return try await memoised(Self.cacheKey(route.path + "/aggregate?" + query.timeZone.identifier, items, parentID)) { [reader] in
            query.encode(try await reader.aggregate(query.plan(list)), groupBy: list.groupBy)
        }
    }

    /// A cache key for query `items` on `route`: the route, the parent id, and the items in a stable order.
    static func cacheKey(_ route: String, _ items: [(key: String, value: String)], _ parentID: String?) -> String {
        route + "?" + (parentID ?? "") + "?" + items.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "&")
    }

    /// The encoded answer for `key`, computed once per mirror generation (see `GenerationCache`).
    func memoised(_ key: String, _ compute: @escaping @Sendable () async throws -> JSON) async throws -> ByteBuffer {
        try await aggregateCache.answer(key, reader: reader) { ByteBuffer(bytes: try await compute().encoded()) }
    }

    /// `/admins/metrics`, `/teams/metrics`, `/companies/metrics`: the scorecard over conversations created in
    /// `from`/`to`, memoised per generation.
    func scorecard(_ request: Request, subject: ScorecardSubject) async throws -> Response {
        .json(encoded: try await scorecardAnswer(subject, request.queryItems))
    }

    /// The scorecard of `subject` for the query `items` (`from`, `to`).
    func scorecardAnswer(_ subject: ScorecardSubject, _ items: [(key: String, value: String)]) async throws -> ByteBuffer {
        var from: Int?, to: Int?
        for (key, value) in items {
            switch key {
            case "from": from = try AggregateQuery.time(value, "from")
            case "to": to = try AggregateQuery.time(value, "to")
            default: throw APIError.unknownFilter(key, candidates: ["from", "to"])
            }
        }
        if let from, let to, from > to { throw APIError.badValue("from", String(from), expected: "a time at or before to=\(to)") }
        let key = "/\(subject.rawValue)/metrics?\(from.map(String.init) ?? "")?\(to.map(String.init) ?? "")"
        return try await memoised(key) { [from, to] in
            let rows = try await reader.scorecard(subject, from: from, to: to).map { row -> JSON in
                .object([("id", .string(row.id))] + row.figures.map { figure in
                    (figure.name, figure.value.map { $0 == $0.rounded() && abs($0) < 9e15 ? JSON.int(Int($0)) : JSON.double($0) } ?? .null)
                })
            }
            var answer: [(String, JSON)] = [("data", .array(rows))]
            if from != nil || to != nil { answer.append(("created", .object([("from", .int(from)), ("to", .int(to))]))) }
            return JSON.object(answer)
        }
    }

    /// The SQL plan of a list route; the reader checks a relation's parent in the same read as the page.
    func plan(_ route: RouteTable.ListRoute, query: ListQuery, parentID: String?) throws -> ListPlan {
        var relation: Relation?
        if let parent = route.parent, let spec = route.relation {
            guard let parentID else { throw APIError.routeNotFound }
            relation = Relation(spec: spec, parent: parent, parentID: parentID)
        }
        return ListPlan(resource: route.resource, relation: relation, sort: query.sort, filters: query.filters, groupBy: query.groupBy)
    }

    func item(_ resource: ReadResource, id: String) async throws -> Response {
        guard let row = try await reader.item(resource, id: id) else { throw APIError.notFound(resource.singular, id) }
        guard case var .object(fields) = RowEncoder.object(row, Projection(resource: resource, fields: nil)) else { return .json(.null) }
        for (key, embedded) in try await reader.embeds(of: resource, id: id) {
            switch embedded {
            case let .ids(ids): fields.append((key, .array(ids.map(JSON.string))))
            case let .rows(child, rows):
                let projection = Projection(resource: child, fields: nil)
                fields.append((key, .array(rows.map { RowEncoder.object($0, projection) })))
            }
        }
        return .json(.object(fields))
    }
}

/// The list and item routes, shared by the server and the OpenAPI document so the two cannot disagree: built from
/// the catalog's resources and relations.
enum RouteTable {
    /// A list route: a resource, optionally narrowed to the items related to a parent (`/contacts/{id}/notes`).
    struct ListRoute {
        let path: String
        let resource: ReadResource
        let parent: ReadResource?
        let relation: RelationSpec?

        init(_ path: String, _ resource: ReadResource, parent: ReadResource? = nil, relation: RelationSpec? = nil) {
            self.path = path
            self.resource = resource
            self.parent = parent
            self.relation = relation
        }
    }

    /// Every list the API serves; each also answers `PATH/counts?group_by=…`.
    static let lists: [ListRoute] = Catalog.listed.map { ListRoute("/\($0.name)", $0) }
        + Catalog.relations.flatMap { relation in
            relation.parents.map { parent in
                ListRoute("/\(parent)/{id}/\(relation.segment)", .named(relation.child), parent: .named(parent), relation: relation)
            }
        }

    /// Resources with a `GET /NAME/{id}` route.
    static var items: [ReadResource] { Catalog.items }
}

extension Request {
    /// Query items in order, keys and values percent-decoded (Hummingbird decodes only values).
    var queryItems: [(key: String, value: String)] {
        uri.queryParameters.map { (key: String($0.key).removingPercentEncoding ?? String($0.key), value: String($0.value)) }
    }
}

extension Response {
    /// A JSON response.
    static func json(_ value: JSON, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        json(encoded: ByteBuffer(bytes: value.encoded()), status: status, headers: headers)
    }

    /// A JSON body already encoded.
    static func json(encoded body: ByteBuffer, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: body))
    }
}
