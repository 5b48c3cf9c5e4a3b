import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntercomAPI
import IntercomSimulator
import Logging
import MirrorStore
import NIOCore
import ReadAPI
import Sync
import TestSupport
import Testing

/// The read API on both engines: one simulated workspace synced into a SQLite and a PostgreSQL mirror, then every GET
/// route of openapi.yaml (ids filled in from the lists), and filters, sorts, cursors, group-bys, aggregates,
/// scorecards, CSV and errors, asked of both. A difference in answers is a bug. What may differ is said here: request
/// ids and timings, the order of keys inside a JSON column (PostgreSQL's jsonb keeps its own order), and `/search`'s
/// ranks and snippets (bm25 and FTS5's snippet against ts_rank and ts_headline); its hits are compared as sets.
@Suite(.enabled(if: !TestEngine.postgresSkipped, "INTERCACHE_TEST_SKIP_POSTGRES=1"))
struct EngineParityTests {
    /// Keys whose values differ by run, not by engine.
    static let volatile: Set<String> = ["request_id", "took_ms", "generation", "last_write_at", "lag_seconds", "seconds_since_success",
                                        "started_at", "finished_at", "last_success_at", "last_incremental_at", "last_full_sweep_at",
                                        "checked_at", "since", "engine", "replica", "newest_change_at", "last_run"]

    /// Routes whose answers are the process's, not the mirror's: Prometheus counters, and the page (it shows lag).
    static let processRoutes: Set<String> = ["/metrics", "/"]

    /// The first path at which two JSON values differ, for a readable failure.
    static func firstDifference(_ a: JSON, _ b: JSON, at path: String = "") -> String? {
        switch (a, b) {
        case let (.object(x), .object(y)):
            let keys = Set(x.map(\.0)).union(y.map(\.0)).sorted()
            for key in keys {
                let l = x.first { $0.0 == key }?.1 ?? .null, r = y.first { $0.0 == key }?.1 ?? .null
                if let d = firstDifference(l, r, at: path + "." + key) { return d }
            }
            return nil
        case let (.array(x), .array(y)):
            guard x.count == y.count else { return "\(path): \(x.count) items against \(y.count)" }
            for (i, (l, r)) in zip(x, y).enumerated() { if let d = firstDifference(l, r, at: "\(path)[\(i)]") { return d } }
            return nil
        default:
            return a == b ? nil : "\(path): \(a.text.prefix(200)) against \(b.text.prefix(200))"
        }
    }

    /// A CSV body as rows of cells, JSON cells canonical.
    static func csvRows(_ text: String) -> [[JSON]] {
        var rows: [[JSON]] = [], row: [String] = [], cell = "", quoted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" { if chars.first == "\"" { cell.append(c); chars.removeFirst() } else { quoted = false } } else { cell.append(c) }
            } else if c == "\"" { quoted = true
            } else if c == "," { row.append(cell); cell = ""
            } else if c == "\r\n" || c == "\n" { row.append(cell); cell = ""; rows.append(row.map { canonical(.string($0)) }); row = []
            } else { cell.append(c) }
        }
        if !cell.isEmpty || !row.isEmpty { row.append(cell); rows.append(row.map { canonical(.string($0)) }) }
        return rows
    }

    /// `json` with object keys sorted, volatile keys dropped, and JSON held in strings (a `raw` column) parsed.
    static func canonical(_ json: JSON) -> JSON {
        switch json {
        case let .object(members):
            return .object(members.filter { !volatile.contains($0.0) }.map { ($0.0, canonical($0.1)) }.sorted { $0.0 < $1.0 })
        case let .array(items): return .array(items.map(canonical))
        case let .string(text) where text.hasPrefix("{") || text.hasPrefix("["):
            return (try? JSON.parse(Array(text.utf8))).map(canonical) ?? json
        default: return json
        }
    }

    static func paths() -> [String] {
        OpenAPIDocument.yaml.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  /"), line.hasSuffix(":") else { return nil }
            return String(line.dropFirst(2).dropLast())
        }
    }

    /// Requests beyond the bare routes: filters of each kind, sorts with NULLs both ways, cursors, counts, CSV, errors.
    static let queries = [
        "/contacts?sort=-updated_at&limit=5", "/contacts?email.contains=EXAMPLE&limit=5", "/contacts?name.startswith=a&limit=5",
        "/contacts?group_by=role", "/contacts/counts?group_by=role,owner_id", "/conversations/counts?group_by=state,admin_assignee_id",
        "/conversations?state=open&count=true&limit=2", "/conversations?sort=waiting_since&limit=7", "/conversations?sort=-waiting_since&limit=7",
        "/conversations?sort=-created_at&limit=3&fields=id,title,state", "/conversations?admin_assignee_id.isnull=true&limit=5",
        "/conversations?created_at.gte=0&created_at.lt=9999999999&limit=4", "/conversations?state.ne=closed&limit=4",
        "/tickets/counts?group_by=state_category", "/tickets?sort=-updated_at&limit=4", "/contacts?format=csv&fields=id,name,email",
        "/conversations.csv?limit=50", "/conversations?format=csv", "/companies?sort=-monthly_spend&limit=5",
        "/conversations/aggregate?metric=count", "/conversations/aggregate?metric=median:metrics.time_to_first_response&group_by=state",
        "/admins/metrics?from=0", "/teams/metrics", "/contacts?bogus=1", "/contacts?sort=nope", "/contacts/nobody", "/contacts?limit=0",
        "/counts", "/sync", "/search?q=message&limit=20", "/search?q=renewal%20plan",
    ]

    @Test func everyReadRouteAnswersTheSameOnSQLiteAndPostgreSQL() async throws {
        var options = SimulatorOptions()
        options.seed = 13
        options.contacts = 300
        options.companies = 30
        options.conversations = 120
        options.tickets = 60
        options.partsPerConversation = 4
        let quiet = testLogger("engine-parity"), token = options.token
        let simulated = options
        try await TestEngine.sqlite.withMirror { sqlite in
            try await TestEngine.postgres.withMirror { postgres in try await compare(sqlite, postgres) }
        }

        @Sendable func compare(_ sqlite: MirrorDatabase, _ postgres: MirrorDatabase) async throws {
            try await withLiveSimulator(simulated) { simulator in
                for store in [sqlite, postgres] {
                    let intercom = IntercomClient(configuration: IntercomConfiguration(baseURL: simulator.base, token: token), logger: quiet)
                    var sync = SyncOptions()
                    sync.full = true
                    let report = try await SyncEngine(client: intercom, store: store, logger: quiet).run(sync)
                    #expect(report.succeeded, "\(store.engineName): \(report.resources.compactMap(\.error))")
                }
            }
            let configuration = ReadAPIConfiguration(queryBudget: .seconds(30))
            let one = Application(router: ReadAPI.buildRouter(store: sqlite, configuration: configuration))
            let two = Application(router: ReadAPI.buildRouter(store: postgres, configuration: configuration))
            try await one.test(.router) { a in
                try await two.test(.router) { b in
                    func get(_ client: any TestClientProtocol, _ uri: String, headers: HTTPFields = [:]) async throws -> (UInt, String, HTTPFields) {
                        try await client.execute(uri: uri, method: .get, headers: headers) { response in
                            (UInt(response.status.code), String(buffer: response.body), response.headers)
                        }
                    }
                    // Ids to fill the item routes in with, from the SQLite mirror's lists.
                    var ids: [String: String] = [:]
                    for route in Self.paths() where !route.contains("{") && !route.contains(".") {
                        let (status, body, _) = try await get(a, route + "?limit=1")
                        guard status == 200, let json = try? JSON.parse(Array(body.utf8)), let first = json["data"]?.arrayValue?.first,
                              let id = first["id"]?.idValue else { continue }
                        ids[String(route.dropFirst())] = id
                    }
                    var asked = 0
                    var requests = Self.queries
                    for route in Self.paths() {
                        guard route.contains("{") else { requests.append(route); continue }
                        let resource = String(route.dropFirst().prefix { $0 != "/" })
                        guard let id = ids[resource] else { continue }
                        let filled = route.replacingOccurrences(of: "{id}", with: id)
                        if !filled.contains("{") { requests.append(filled) }
                    }
                    // A cursor walk: the second and third pages of a sorted list.
                    var cursor: String? = nil
                    for _ in 0..<3 {
                        let uri = "/conversations?sort=waiting_since&limit=25" + (cursor.map { "&cursor=\($0)" } ?? "")
                        requests.append(uri)
                        let (_, body, _) = try await get(a, uri)
                        cursor = (try? JSON.parse(Array(body.utf8)))?["next_cursor"]?.stringValue
                        guard cursor != nil else { break }
                    }
                    for uri in Self.processRoutes {
                        let (statusA, _, _) = try await get(a, uri), (statusB, bodyB, _) = try await get(b, uri)
                        #expect(statusA == 200 && statusB == 200, "\(uri): SQLite \(statusA), PostgreSQL \(statusB): \(bodyB.prefix(300))")
                    }
                    for uri in requests where !Self.processRoutes.contains(uri) {
                        let (statusA, bodyA, _) = try await get(a, uri), (statusB, bodyB, headersB) = try await get(b, uri)
                        asked += 1
                        #expect(statusA == statusB, "\(uri): SQLite \(statusA), PostgreSQL \(statusB): \(bodyB.prefix(300))")
                        guard let jsonA = try? JSON.parse(Array(bodyA.utf8)), let jsonB = try? JSON.parse(Array(bodyB.utf8)) else {
                            if bodyA == bodyB { continue }  // the same bytes (the OpenAPI document)
                            let rowsA = Self.csvRows(bodyA), rowsB = Self.csvRows(bodyB)
                            #expect(rowsA.count == rowsB.count && rowsA.count > 1, "\(uri): \(rowsA.count) rows against \(rowsB.count)")
                            if let (n, (l, r)) = zip(rowsA, rowsB).enumerated().first(where: { $0.1.0 != $0.1.1 }) {
                                Issue.record("\(uri) differs at row \(n): \(Self.firstDifference(.array(l), .array(r)) ?? "")")
                            }
                            continue
                        }
                        if uri.hasPrefix("/search") {
                            // Rankings differ by engine, so the best 20 of many matches may too: all matches agree when fewer.
                            let hits = { (json: JSON) in Set((json["data"]?.arrayValue ?? []).map { "\($0["kind"]?.stringValue ?? ""):\($0["id"]?.stringValue ?? "")" }) }
                            let (a, b) = (hits(jsonA), hits(jsonB))
                            #expect(a.count == b.count, "\(uri): \(a.count) hits against \(b.count)")
                            if a.count < 20 { #expect(a == b, "\(uri): hits differ") }
                            continue
                        }
                        if let difference = Self.firstDifference(Self.canonical(jsonA), Self.canonical(jsonB)) {
                            Issue.record("\(uri) differs at \(difference)")
                        }
                        // ETags hold on PostgreSQL: the same request with its tag is 304.
                        if statusB == 200, let tag = headersB[.eTag] {
                            let (again, _, _) = try await get(b, uri, headers: [.ifNoneMatch: tag])
                            #expect(again == 304, "\(uri): If-None-Match answered \(again)")
                        }
                    }
                    #expect(asked > 150, "asked \(asked) requests")
                    let searched = try await get(b, "/search?q=message")
                    #expect(searched.0 == 200 && searched.1.contains("\"kind\""), "PostgreSQL search found nothing")
                }
            }
        }
    }
}
