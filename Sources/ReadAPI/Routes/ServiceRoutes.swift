import Foundation
import HTTPTypes
import Hummingbird
import IntercomAPI
import MirrorStore
import NIOCore
import Prometheus
import Synchronization

/// The routes that are not lists: the dashboard counts, search, sync status, probes, metrics and the contract.
struct ServiceRoutes<Context: RequestContext>: Sendable {
    let reader: MirrorReader
    let registry: PrometheusCollectorRegistry
    /// The OpenAPI document, rendered once.
    let openAPI: String
    /// The webhook inbox, whose counters `/sync` and `/metrics` report; nil when webhooks are off.
    let inbox: NotificationInbox?
    /// The sync's view of Intercom when it runs in this process (`serve`): a rejected token makes `/readyz` 503.
    let health: SyncHealth?
    /// This replica and whether it leads (`serve`); nil for a bare router.
    var replica: ReplicaState? = nil

    /// The last `/counts` answer, encoded, and the write generation it was computed at: dashboards poll it, and
    /// between two sync writes it cannot change, so only the first poll after a write pays for the dozen GROUP BYs
    /// and the encoding.
    let summaryCache = GenerationCache(capacity: 1)
    /// Search hits per generation and query, for `/search` and the page: ranking every match of a common word costs
    /// about 80 ms on a 100k mirror (FTS5 computes bm25 for each match before it can keep the best 20).
    let searchCache = GenerationCache(capacity: 128, maxBytes: 4 << 20)

    /// 100 results is a page a person reads; search is for finding, the lists are for walking.
    static var maxSearchLimit: Int { 100 }

    /// `/sync` with the engine and, under `replica`, which replica answers, whether it leads, and the leader the
    /// database records (replicas share a PostgreSQL mirror; a SQLite mirror's one process leads).
    func withReplica(_ status: JSON) async throws -> JSON {
        guard case var .object(fields) = status else { return status }
        let store = reader.store
        let leader = try await store.leader()
        fields.append(("engine", .object([("name", .string(store.engineName)), ("location", .string(store.locationDescription))])))
        fields.append(("replica", .object([
            ("id", .string(replica?.replica)),
            ("role", .string(replica.map { $0.isLeader ? "leader" : "follower" })),
            ("leader", leader.map { .object([("replica", .string($0.replica)), ("since", .int($0.since)),
                                             ("heartbeat_at", .int($0.heartbeatAt))]) } ?? .null),
        ])))
        return .object(fields)
    }

    func addRoutes(to router: Router<Context>) {
        router.get("/counts") { _, _ in Response.json(encoded: try await summary()) }
        router.get("/search") { request, _ in try await search(request) }
        router.get("/sync") { _, _ in
            let status = try await reader.syncStatus(now: Int(Date().timeIntervalSince1970), webhooks: inbox?.counters,
                                                     health: health?.current)
            return Response.json(try await withReplica(status))
        }
        router.get("/healthz") { _, _ in Response.json(.object([("status", .string("ok"))])) }
        router.get("/readyz") { _, _ in
            if let state = health?.current, let problem = state.credentialProblem {
                throw APIError(.serviceUnavailable, "intercom_token_rejected",
                               "Intercom at \(state.host) rejected the access token (401: \(problem)); the sync writes nothing until it is fixed.",
                               hint: "check INTERCOM_ACCESS_TOKEN, and INTERCOM_REGION or --region if the workspace is not in the US")
            }
            guard try await reader.isReady() else { throw APIError.notReady }
            return Response.json(.object([("status", .string("ready"))]))
        }
        router.get("/metrics") { _, _ in
            try await refreshSyncGauges()
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            if let inbox { bytes += Self.webhookMetrics(inbox.counters).utf8 }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: openAPI)))
        }
    }

    func summary() async throws -> ByteBuffer {
        let reader = self.reader
        return try await summaryCache.answer("counts", reader: reader) { ByteBuffer(bytes: try await reader.summary().encoded()) }
    }

    /// Lag and row gauges are read from the mirror at scrape time, so they are exact even between sync passes.
    func refreshSyncGauges() async throws {
        let status = try await reader.syncStatus(now: Int(Date().timeIntervalSince1970))
        for entry in status["data"]?.arrayValue ?? [] {
            guard let resource = entry["resource"]?.stringValue else { continue }
            if let lag = entry["lag_seconds"]?.intValue {
                registry.makeGauge(name: "intercache_sync_lag_seconds", labels: [("resource", resource)]).set(Double(lag))
            }
            if let since = entry["seconds_since_success"]?.intValue {
                registry.makeGauge(name: "intercache_sync_seconds_since_success", labels: [("resource", resource)]).set(Double(since))
            }
            if let rows = entry["rows"]?.intValue {
                registry.makeGauge(name: "intercache_mirror_rows", labels: [("resource", resource)]).set(Double(rows))
            }
            if let total = entry["intercom_total"]?.intValue {
                registry.makeGauge(name: "intercache_intercom_total", labels: [("resource", resource)]).set(Double(total))
            }
            if let status = entry["status"]?.stringValue {
                registry.makeGauge(name: "intercache_sync_resource_unavailable", labels: [("resource", resource)])
                    .set(status == "unavailable" ? 1.0 : 0.0)
            }
            if let drift = entry["drift"]?["values"]?.intValue {
                registry.makeGauge(name: "intercache_sync_drift_values", labels: [("resource", resource)]).set(Double(drift))
            }
        }
    }

    /// The inbox's counters in Prometheus text format. They are kept by the inbox (which `/sync` reads too), so they
    /// are written out here rather than mirrored into a second set of counters.
    static func webhookMetrics(_ c: NotificationInbox.Counters) -> String {
        var text = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(String, Int)]) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, value) in samples { text += "\(name)\(labels) \(value)\n" }
        }
        family("intercache_webhooks_received_total", "counter", "Signed webhook deliveries received.", [("", c.received)])
        family("intercache_webhooks_rejected_total", "counter", "Webhook deliveries refused, by reason.",
               ["missing_signature", "bad_signature", "malformed", "too_large"].map { ("{reason=\"\($0)\"}", c.rejected[$0] ?? 0) })
        family("intercache_webhooks_applied_total", "counter", "Webhook notifications applied to the mirror.",
               NotificationHint.Kind.allCases.map { ("{resource=\"\($0.resource)\"}", c.appliedByResource[$0.resource] ?? 0) })
        family("intercache_webhooks_duplicates_total", "counter", "Repeated webhook deliveries that changed nothing.", [("", c.duplicates)])
        family("intercache_webhooks_ignored_total", "counter", "Webhook notifications of topics the mirror does not act on.", [("", c.ignored)])
        family("intercache_webhooks_failed_total", "counter", "Webhook re-fetches that failed (the next poll repairs them).", [("", c.failed)])
        family("intercache_webhooks_pending", "gauge", "Webhook hints waiting for the worker.", [("", c.pending)])
        return text
    }

    func search(_ request: Request) async throws -> Response {
        var text = "", kinds: [String] = [], limit = 20
        for (key, value) in request.queryItems {
            switch key {
            case "q": text = value
            case "kind":
                kinds = value.split(separator: ",").map(String.init)
                let known = MirrorReader.searchKinds
                if let bad = kinds.first(where: { !known.contains($0) }) {
                    throw APIError(.badRequest, "bad_value", "'\(bad)' is not a search kind.",
                                   hint: APIError.suggestion(for: bad, in: known) ?? "use one of \(known.joined(separator: ", "))")
                }
            case "limit":
                guard let n = Int(value), (1...Self.maxSearchLimit).contains(n) else {
                    throw APIError.badNumber("limit", value, range: "from 1 to \(Self.maxSearchLimit)")
                }
                limit = n
            default: throw APIError.unknownFilter(key, candidates: ["q", "kind", "limit"])
            }
        }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIError(.badRequest, "missing_query", "Search needs q=words.", hint: "for example /search?q=refund")
        }
        let hits = try await searchHits(text, kinds: kinds, limit: limit).map { $0.json() }
        return .json(.object([("data", .array(hits))]))
    }

    /// The best `limit` hits of `text`, memoised per generation and query.
    func searchHits(_ text: String, kinds: [String], limit: Int) async throws -> [SearchHit] {
        let reader = self.reader
        let key = JSON.array([.string(text), .array(kinds.map(JSON.string)), .int(limit)]).text
        let cached = try await searchCache.answer(key, reader: reader) {
            ByteBuffer(bytes: JSON.array(try await reader.search(text, kinds: kinds, limit: limit).map { $0.json(marked: true) }).encoded())
        }
        return try JSON.parse(cached.readableBytesView).arrayValue?.compactMap(SearchHit.init(json:)) ?? []
    }
}
