import Foundation
import HTTPTypes
import Hummingbird
import IntercomAPI
import MirrorStore
import NIOCore

/// The page at `/`: the mirror's health, the support dashboard and a search form, rendered on the server from the
/// same memoised answers the JSON routes serve, plus its stylesheet, script and icon. It works with JavaScript off.
struct PageController<Context: RequestContext>: Sendable {
    let reader: MirrorReader
    let lists: ReadController<Context>
    let service: ServiceRoutes<Context>
    /// The dashboard section, per generation and window: its inputs are memoised already, this saves the rendering.
    let dashboardCache = GenerationCache(capacity: 32, maxBytes: 8 << 20)
    /// The clock, in unix seconds (tests pin it).
    var now: @Sendable () -> Int = { Int(Date().timeIntervalSince1970) }

    /// The page's security headers: nothing but this origin's own files may load or run, and no inline script or
    /// style, so even markup that slipped past escaping could not execute.
    static var securityHeaders: HTTPFields {
        [
            .contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            .xContentTypeOptions: "nosniff",
            .referrerPolicy: "no-referrer",
        ]
    }

    func addRoutes(to router: Router<Context>) {
        router.get("/") { request, _ in try await page(request) }
        for asset in PageAssets.all {
            router.get(RouterPath(asset.path)) { request, _ in Self.respond(request, body: ByteBuffer(string: asset.body), type: asset.type) }
        }
    }

    func page(_ request: Request) async throws -> Response {
        var days = PageWindow.defaultDays, search = ""
        for (key, value) in request.queryItems {
            switch key {
            case "days":
                guard let n = Int(value), (1...366).contains(n) else { throw APIError.badNumber("days", value, range: "from 1 to 366") }
                days = n
            case "q": search = value
            default: throw APIError.unknownFilter(key, candidates: ["days", "q"])
            }
        }
        let now = now()
        let status = try await reader.syncStatus(now: now, webhooks: service.inbox?.counters, health: service.health?.current)
        let window = try await PageWindow.make(days: days, now: now, zone: lists.defaultTimeZone() ?? "UTC", lists: lists,
                                               cache: dashboardCache, reader: reader)
        let dashboard = try await dashboardCache.answer("\(window.key)", reader: reader) { [lists, service, window] in
            ByteBuffer(string: try await DashboardSection(lists: lists, service: service, window: window).render().markup)
        }
        var hits: [SearchHit]?
        if !search.trimmingCharacters(in: .whitespaces).isEmpty {
            hits = try await service.searchHits(search, kinds: [], limit: 20)
        }
        let workspace = service.health?.current.workspace?.name
        var body = ByteBuffer()
        body.writeString(PageLayout.head(workspace: workspace, status: status).markup)
        body.writeString(HealthSection(status: status, schedule: service.health?.current.schedule).render().markup)
        body.writeString(PageLayout.windowForm(window).markup)
        var section = dashboard
        body.writeBuffer(&section)
        body.writeString(SearchSection(query: search, hits: hits).render().markup)
        body.writeString(PageLayout.foot(generation: status["generation"]?.intValue, lastWrite: status["last_write_at"]?.intValue).markup)
        var response = Self.respond(request, body: body, type: "text/html; charset=utf-8")
        if response.status == .ok { response.headers[.cacheControl] = "no-cache" }
        return response
    }

    /// 200 with `body` and a strong ETag of its bytes, or 304 when the client holds those bytes already. The page's
    /// tag is its content's hash rather than the mirror's generation: it also shows lag and webhook counters, which
    /// move without a write.
    static func respond(_ request: Request, body: ByteBuffer, type: String) -> Response {
        let tag = "\"p-\(body.withUnsafeReadableBytes { FNV1a.hex(bytes: $0) })\""
        var headers = securityHeaders
        headers[.eTag] = tag
        if let match = request.headers[.ifNoneMatch], EntityTag.matches(match, tag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = type
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }
}

extension HTTPField.Name {
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
