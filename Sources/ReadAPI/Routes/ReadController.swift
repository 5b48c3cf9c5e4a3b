import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import IntercomAPI
import MirrorStore
import NIOCore

/// The read routes over the mirror. Each handler parses the query, reads through `MirrorReader`, and encodes.
struct ReadController<Context: RequestContext>: Sendable {
    let reader: MirrorReader
    let streamFailsAfterPages: Int?

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
        let plan = try await plan(route, query: query, context: context)
        switch query.format {
        case .json:
            let page = try await reader.page(plan, after: query.cursor, limit: query.limit, counting: query.count)
            let projection = Projection(resource: route.resource, fields: query.fields)
            var envelope: [(String, JSON)] = [
                ("data", .array(page.rows.map { RowEncoder.object($0, projection) })),
                ("next_cursor", .string(page.next?.encoded)),
            ]
            if let total = page.total { envelope.append(("total_count", .int(total))) }
            return .json(.object(envelope))
        case .csv, .ndjson:
            return try await ListStreamer(reader: reader, plan: plan, format: query.format,
                                projection: Projection(resource: route.resource, fields: query.fields),
                                failsAfterPages: streamFailsAfterPages)
                .response(startingAfter: query.cursor, logger: context.logger)
        }
    }

    func counts(_ request: Request, context: Context, route: RouteTable.ListRoute) async throws -> Response {
        let query = try ListQuery(request.queryItems, resource: route.resource, accept: nil, counts: true)
        let plan = try await plan(route, query: query, context: context)
        return .json(.object([("data", .array(try await reader.groups(plan)))]))
    }

    /// The SQL plan of a list route; the reader checks a relation's parent in the same read as the page.
    func plan(_ route: RouteTable.ListRoute, query: ListQuery, context: Context) async throws -> ListPlan {
        var relation: Relation?
        if let parent = route.parent, let sql = route.relation {
            relation = Relation(sql: sql, parent: parent, parentID: try context.parameters.require("id"))
        }
        return ListPlan(resource: route.resource, relation: relation, query: query)
    }

    func item(_ resource: ReadResource, id: String) async throws -> Response {
        guard let row = try await reader.item(resource, id: id) else { throw APIError.notFound(resource.singular, id) }
        guard case var .object(fields) = RowEncoder.object(row, Projection(resource: resource, fields: nil)) else { return .json(.null) }
        if resource.table.name == "conversations" { fields += try await conversationDetail(id) }
        return .json(.object(fields))
    }

    /// A conversation's parts (all that are mirrored, oldest first), contacts and tags.
    func conversationDetail(_ id: String) async throws -> [(String, JSON)] {
        let projection = Projection(resource: .parts, fields: nil)
        return try await reader.timed { db in
            let rows = try db.bound("""
                SELECT \(ReadResource.parts.selectList) FROM conversation_parts t
                WHERE t.conversation_id = ? ORDER BY t.created_at, t.id
                """, [id.databaseValue]).valueRows()
            let contacts = try String.fetchAll(db, sql: "SELECT contact_id FROM conversation_contacts WHERE conversation_id = ? ORDER BY contact_id", arguments: [id])
            let tags = try String.fetchAll(db, sql: "SELECT tag_id FROM conversation_tags WHERE conversation_id = ? ORDER BY tag_id", arguments: [id])
            return [
                ("contact_ids", .array(contacts.map(JSON.string))), ("tag_ids", .array(tags.map(JSON.string))),
                ("conversation_parts", .array(rows.map { RowEncoder.object($0, projection) })),
            ]
        }
    }
}

/// The list and item routes, shared by the server and the OpenAPI document so the two cannot disagree.
enum RouteTable {
    /// A list route: a resource, optionally narrowed to the items related to a parent (`/contacts/{id}/notes`).
    struct ListRoute {
        let path: String
        let resource: ReadResource
        let parent: ReadResource?
        /// SQL over `t` with one `?` for the parent id.
        let relation: String?
    
        init(_ path: String, _ resource: ReadResource, parent: ReadResource? = nil, relation: String? = nil) {
            self.path = path
            self.resource = resource
            self.parent = parent
            self.relation = relation
        }
    }
    
    /// Every list the API serves; each also answers `PATH/counts?group_by=…`.
    static var lists: [ListRoute] {
        let contactKinds: [ReadResource] = [.contacts, .users, .leads]
        var routes: [ListRoute] = [
            ListRoute("/contacts", .contacts), ListRoute("/users", .users), ListRoute("/leads", .leads),
            ListRoute("/companies", .companies), ListRoute("/conversations", .conversations), ListRoute("/admins", .admins),
            ListRoute("/teams", .teams), ListRoute("/tags", .tags), ListRoute("/segments", .segments),
            ListRoute("/data_attributes", .dataAttributes), ListRoute("/articles", .articles),
        ]
        routes += contactKinds.map {
            ListRoute("/\($0.name)/{id}/conversations", .conversations, parent: $0,
                      relation: "t.id IN (SELECT conversation_id FROM conversation_contacts WHERE contact_id = ?)")
        }
        routes += [
            ListRoute("/contacts/{id}/notes", .notes, parent: .contacts, relation: "t.contact_id = ?"),
            ListRoute("/contacts/{id}/tags", .tags, parent: .contacts,
                      relation: "t.id IN (SELECT tag_id FROM contact_tags WHERE contact_id = ?)"),
            ListRoute("/contacts/{id}/companies", .companies, parent: .contacts,
                      relation: "t.id IN (SELECT company_id FROM contact_companies WHERE contact_id = ?)"),
            ListRoute("/contacts/{id}/segments", .segments, parent: .contacts,
                      relation: "t.id IN (SELECT segment_id FROM contact_segments WHERE contact_id = ?)"),
            ListRoute("/contacts/{id}/events", .events, parent: .contacts, relation: "t.contact_id = ?"),
            ListRoute("/companies/{id}/contacts", .contacts, parent: .companies,
                      relation: "t.id IN (SELECT contact_id FROM contact_companies WHERE company_id = ?)"),
            // A company's conversations: those of its contacts (Intercom attributes most conversations to people).
            ListRoute("/companies/{id}/conversations", .conversations, parent: .companies,
                      relation: """
                      t.id IN (SELECT cc.conversation_id FROM conversation_contacts cc
                               JOIN contact_companies k ON k.contact_id = cc.contact_id WHERE k.company_id = ?)
                      """),
            ListRoute("/conversations/{id}/parts", .parts, parent: .conversations, relation: "t.conversation_id = ?"),
            ListRoute("/admins/{id}/conversations", .conversations, parent: .admins, relation: "t.admin_assignee_id = ?"),
            ListRoute("/tags/{id}/contacts", .contacts, parent: .tags,
                      relation: "t.id IN (SELECT contact_id FROM contact_tags WHERE tag_id = ?)"),
            ListRoute("/segments/{id}/contacts", .contacts, parent: .segments,
                      relation: "t.id IN (SELECT contact_id FROM contact_segments WHERE segment_id = ?)"),
        ]
        return routes
    }
    
    /// Resources with a `GET /NAME/{id}` route.
    static var items: [ReadResource] { [.contacts, .users, .leads, .companies, .conversations, .admins, .teams] }
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
