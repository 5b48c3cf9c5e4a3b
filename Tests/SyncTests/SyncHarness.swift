import AsyncHTTPClient
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import IntercomAPI
import IntercomSimulator
import Logging
import MirrorStore
import NIOCore
import NIOHTTP1
import Sync
import TestSupport
import Testing

/// A live simulator plus a fresh mirror file, wired to a sync engine as `intercache sync` wires them.
struct SyncRig: Sendable {
    /// The first column of each row of `sql`, read on either engine.
    func column(_ sql: String, _ values: [StoreValue] = []) async throws -> [StoreValue] {
        try await store.reading { db in try db.rows(sql, values.map(\.databaseValue), limit: .max).map { $0.first ?? .null } }
    }

    /// The first column of the first row as an integer (a count), on either engine.
    func int(_ sql: String, _ values: [StoreValue] = []) async throws -> Int? { try await column(sql, values).first?.integer }

    /// The first column of every row as text, on either engine.
    func strings(_ sql: String, _ values: [StoreValue] = []) async throws -> [String] { try await column(sql, values).compactMap(\.string) }

    let base: String
    let workspace: Workspace
    let databasePath: String
    let store: MirrorDatabase
    let engine: SyncEngine
    let client: IntercomClient

    /// One sync pass.
    @discardableResult
    func sync(full: Bool = false, resources: [SyncResource] = SyncResource.allCases,
              batchRows: Int = SyncOptions().batchRows) async throws -> SyncReport {
        var options = SyncOptions()
        options.full = full
        options.resources = resources
        options.batchRows = batchRows
        options.scrollWaitSeconds = 20
        return try await engine.run(options)
    }

    /// A control-surface call to the simulator.
    @discardableResult
    func control(_ method: IntercomRequest.Method, _ path: String, _ body: JSON? = nil, verb: String? = nil) async throws -> JSON {
        var request = HTTPClientRequest(url: base + "/_simulator" + path)
        request.method = HTTPMethod(rawValue: verb ?? method.rawValue)
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body.encoded()))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let data = try await response.body.collect(upTo: 1 << 24)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw RigError("control \(path) answered \(response.status.code): \(String(buffer: data))")
        }
        return try JSON.parse(data.readableBytesView)
    }
}

struct RigError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Small workspaces seed in milliseconds; a few conversations pass the 500-part cap.
func rigOptions(seed: UInt64 = 21) -> SimulatorOptions {
    var options = SimulatorOptions()
    options.seed = seed
    options.contacts = 600
    options.companies = 80
    options.conversations = 250
    options.partsPerConversation = 5
    options.scrollExpiry = 2
    return options
}

/// Runs `body` with a live simulator on an ephemeral loopback port and a mirror in a fresh temporary file.
/// `engine` picks the mirror's engine (PostgreSQL: a scratch schema, dropped after).
func withRig<T: Sendable>(_ options: SimulatorOptions = rigOptions(), share: Double = 0.8, token: String? = nil, engine: TestEngine = .sqlite,
                          requestTimeout: Int64 = 3,
                          _ body: @Sendable (SyncRig) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("intercache-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("mirror.sqlite").path
    return try await withLiveSimulator(options) { simulator in
        let base = simulator.base, workspace = simulator.workspace, quiet = testLogger("sync-test")
        var configuration = IntercomConfiguration(baseURL: base, token: token ?? options.token)
        configuration.rateLimitShare = share
        configuration.backoffBaseSeconds = 0.02
        configuration.requestTimeoutSeconds = requestTimeout
        let intercom = IntercomClient(configuration: configuration, logger: quiet)
        let (store, remove) = try await engine.open(path: path)
        let sync = SyncEngine(client: intercom, store: store, logger: quiet)
        let rig = SyncRig(base: base, workspace: workspace, databasePath: path, store: store, engine: sync, client: intercom)
        return try await running({ try await body(rig) }, then: remove)
    }
}

/// The mirror's counts in the shape of the simulator's ground truth, so a difference names the exact key.
/// The totals and per-state, per-role and open-per-team counts come from the dashboard's own summary (`/counts`), so
/// the ground truth checks what the API serves; the rest are checks the dashboard does not make.
func mirrorSummary(_ store: MirrorDatabase) async throws -> [String: Int] {
    let dashboard = try await MirrorReader(store: store).summary()
    func members(_ value: JSON?) -> [(String, JSON)] { if case let .object(members)? = value { members } else { [] } }
    var counted: [String: Int] = [:]
    for name in ["contacts", "companies", "conversations"] { counted["\(name).total"] = dashboard[name]?["total"]?.intValue }
    for (section, key, prefix) in [("contacts", "by_role", "contacts."), ("conversations", "by_state", "conversations.by_state.")] {
        for (value, count) in members(dashboard[section]?[key]) { counted[prefix + value] = count.intValue }
    }
    for (team, count) in members(dashboard["open_conversations_per_team"]) {
        counted["open_conversations_per_team." + team] = count.intValue
    }
    counted["tickets.total"] = dashboard["tickets"]?["total"]?.intValue
    for (key, prefix) in [("by_category", "tickets.by_category."), ("by_state_category", "tickets.by_state_category.")] {
        for (value, count) in members(dashboard["tickets"]?[key]) { counted[prefix + value] = count.intValue }
    }
    for (key, prefix) in [("open_tickets_per_state", "tickets.open_per_state."), ("open_tickets_per_team", "tickets.open_per_team."),
                          ("open_tickets_per_admin", "tickets.open_per_admin.")] {
        for (value, count) in members(dashboard[key]) { counted[prefix + value] = count.intValue }
    }
    let fromDashboard = counted
    return try await store.reading { sql in
        var summary = fromDashboard
        func add(_ prefix: String, _ query: String) throws {
            for row in try sql.rows(query, [], limit: .max) { summary[prefix + (row[0].string ?? "unassigned")] = row[1].integer ?? 0 }
        }
        func one(_ key: String, _ query: String) throws { summary[key] = try sql.rows(query, [], limit: 1).first?.first?.integer ?? 0 }
        try one("conversation_parts.total_count", "SELECT SUM(parts_total_count) FROM conversations")
        // Per conversation and per ticket: at least the 500 most recent parts Intercom returns, never more than its total
        // (a mirror may hold more than 500 when it saw older parts before new ones pushed them past the cap), and
        // parts_truncated exactly when it holds fewer than the total.
        for (spec, prefix) in [(Catalog.partsTruncation, "parts."), (Catalog.ticketPartsTruncation, "ticket_parts.")] {
            let held = "(SELECT COUNT(*) FROM \(spec.parts) p WHERE p.\(spec.owner) = c.id)"
            let from = "SELECT COUNT(*) FROM \(spec.table) c WHERE"
            try one(prefix + "below_the_500_most_recent", "\(from) \(held) < CASE WHEN \(spec.total) < 500 THEN \(spec.total) ELSE 500 END")
            try one(prefix + "above_the_total", "\(from) \(held) > \(spec.total)")
            try one(prefix + "truncation_flag_wrong", "\(from) \(spec.flag) IS DISTINCT FROM (CASE WHEN \(held) < \(spec.total) THEN 1 ELSE 0 END)")
        }
        try one("truncated_conversations", "SELECT COUNT(*) FROM conversations WHERE parts_truncated = 1")
        // Tickets: their parts, links, types, attributes and states.
        try one("tickets.parts", "SELECT COALESCE(SUM(parts_total_count), 0) FROM tickets")
        try one("tickets.truncated", "SELECT COUNT(*) FROM tickets WHERE parts_truncated = 1")
        try one("tickets.links", "SELECT COUNT(*) FROM ticket_links")
        try one("tickets.types", "SELECT COUNT(*) FROM ticket_types")
        try one("tickets.type_attributes", "SELECT COUNT(*) FROM ticket_type_attributes")
        try one("tickets.states", "SELECT COUNT(*) FROM ticket_states")
        for table in ["admins", "teams", "tags", "segments", "notes", "articles"] {
            try one(table, "SELECT COUNT(*) FROM \(table)")
        }
        try add("data_attributes.", "SELECT model, COUNT(*) FROM data_attributes GROUP BY model")
        try add("conversations_per_admin.", "SELECT COALESCE(admin_assignee_id, 'unassigned') || '.' || state, COUNT(*) FROM conversations GROUP BY 1")
        try add("contacts_per_tag.", "SELECT tag_id, COUNT(*) FROM contact_tags JOIN contacts c ON c.id = contact_id GROUP BY 1")
        try add("contacts_per_segment.", "SELECT segment_id, COUNT(*) FROM contact_segments JOIN contacts c ON c.id = contact_id GROUP BY 1")
        try add("contacts_per_company.", "SELECT company_id, COUNT(*) FROM contact_companies JOIN contacts c ON c.id = contact_id GROUP BY 1")
        try add("companies_per_tag.", "SELECT tag_id, COUNT(*) FROM company_tags GROUP BY 1")
        try add("companies_per_segment.", "SELECT segment_id, COUNT(*) FROM company_segments GROUP BY 1")
        return summary
    }
}

/// The simulator's ground truth flattened to the same keys.
func truthSummary(_ workspace: Workspace) -> [String: Int] {
    var summary: [String: Int] = [:]
    func flatten(_ prefix: String, _ json: JSON) {
        switch json {
        case let .int(value): summary[prefix] = value
        case let .object(members): for (key, value) in members { flatten(prefix.isEmpty ? key : prefix + "." + key, value) }
        default: break
        }
    }
    flatten("", workspace.groundTruth())
    summary["conversation_parts.total_count"] = summary.removeValue(forKey: "conversation_parts")
    summary["deleted_conversations"] = nil
    summary["tickets.deleted"] = nil
    summary["tickets.fetchable_parts"] = nil  // the parts.* invariants check what the cap lets a mirror hold
    summary["version"] = nil
    summary["event_summaries"] = nil  // fetched on full sweeps only: FullSyncTests checks them on their own
    summary["companies.with_users"] = nil
    summary = summary.filter { !$0.key.hasPrefix("admin_scorecards.") }  // MetricsTests compares them with /admins/metrics
    return summary
}

/// Every difference between mirror and truth, as readable lines; empty when they agree.
func differences(_ rig: SyncRig) async throws -> [String] {
    let mirror = try await mirrorSummary(rig.store)
    let truth = truthSummary(rig.workspace)
    var lines: [String] = []
    // The parts.* keys count conversations that break an invariant: the truth for each is 0.
    for key in Set(mirror.keys).union(truth.keys).sorted() {
        if mirror[key] ?? 0 != truth[key] ?? 0 { lines.append("\(key): mirror \(mirror[key] ?? 0), truth \(truth[key] ?? 0)") }
    }
    return lines
}

extension SyncRig {
    /// Every row of `sql`, each column as a store value, on either engine.
    func rows(_ sql: String, _ values: [StoreValue] = []) async throws -> [[StoreValue]] {
        try await store.reading { db in try db.rows(sql, values.map(\.databaseValue), limit: .max) }
    }

    /// The rows of `sql` by column name, on either engine.
    func namedRows(_ sql: String, _ values: [StoreValue] = []) async throws -> [NamedRow] {
        try await store.reading { db in try db.namedRows(sql, values.map(\.databaseValue)) }
    }

    /// The first column of the first row as text, on either engine.
    func text(_ sql: String, _ values: [StoreValue] = []) async throws -> String? { try await column(sql, values).first?.string }

    /// SQL naming the storage class of `column`'s value as SQLite's `typeof` does (`integer`, `real`, `text`, `null`), on
    /// this rig's engine: on PostgreSQL the column's declared type, since a typed column holds nothing else.
    func typeOf(_ column: String) -> String { sqlTypeOf(column, engine: store.engineName) }

    /// The `--database` argument that makes a child process (`intercache sync`) write to this rig's mirror.
    func databaseArgument() throws -> String {
        guard store.engineName == "postgres" else { return databasePath }
        guard case var .postgres(location) = try DatabaseLocation(store.locationDescription) else { throw RigError("not a PostgreSQL mirror") }
        // The description hides the password: take the server's URL from the environment, and the rig's schema.
        let schema = location.schema
        guard case let .postgres(server) = try TestEngine.freshPostgres() else { throw RigError("INTERCACHE_TEST_POSTGRES is not a PostgreSQL URL") }
        location = server
        location.schema = schema
        return location.url
    }
}

/// `typeof(column)` as SQLite spells its storage classes, for `engine` (`sqlite` or `postgres`).
func sqlTypeOf(_ column: String, engine: String) -> String {
    guard engine == "postgres" else { return "typeof(\(column))" }
    return """
        (CASE WHEN \(column) IS NULL THEN 'null' WHEN pg_typeof(\(column))::text IN ('bigint', 'integer', 'smallint') THEN 'integer' \
        WHEN pg_typeof(\(column))::text IN ('double precision', 'real', 'numeric') THEN 'real' WHEN pg_typeof(\(column))::text = 'text' THEN 'text' \
        ELSE pg_typeof(\(column))::text END)
        """
}

/// A fresh, empty mirror for a child process (`intercache sync`, `serve`) on `engine`: its `--database` argument, a way
/// to open it in the test, and a way to remove it after.
struct ScratchMirror: Sendable {
    /// The `--database` argument: a file path, or a `postgres://` URL with a fresh schema (and the password).
    let argument: String

    /// Opens the mirror the child wrote (creating and migrating it if the child did not).
    func open() async throws -> MirrorDatabase { try await MirrorDatabase.open(try DatabaseLocation(argument)) }

    /// Runs `body` on the mirror, opened for it and closed after.
    func reading<T: Sendable>(_ body: (MirrorDatabase) async throws -> T) async throws -> T {
        let store = try await open()
        return try await running({ try await body(store) }, then: { await store.close() })
    }

    /// Removes the file, or drops the schema.
    func remove() async {
        switch try? DatabaseLocation(argument) {
        case let .sqlite(path)?: MirrorDatabase.removeFiles(at: path)
        case .postgres?:
            guard let store = try? await open() else { return }
            try? await store.dropSchema()
            await store.close()
        case nil: break
        }
    }

    init(_ engine: TestEngine, prefix: String) throws {
        switch engine {
        case .sqlite: argument = scratchMirrorPath(prefix)
        case .postgres:
            guard case let .postgres(location) = try TestEngine.freshPostgres() else {
                throw RigError("INTERCACHE_TEST_POSTGRES is not a PostgreSQL URL")
            }
            argument = location.url
        }
    }
}

/// Runs `body` with a fresh scratch mirror on `engine` for a child process, removed after whatever the outcome.
func withScratchMirror<T: Sendable>(_ engine: TestEngine, prefix: String, _ body: (ScratchMirror) async throws -> T) async throws -> T {
    let mirror = try ScratchMirror(engine, prefix: prefix)
    return try await running({ try await body(mirror) }, then: { await mirror.remove() })
}

/// `body`'s result, with `cleanup` run after it whether it returned or threw (`defer` cannot await).
func running<T>(_ body: () async throws -> T, then cleanup: () async -> Void) async throws -> T {
    do {
        let result = try await body()
        await cleanup()
        return result
    } catch {
        await cleanup()
        throw error
    }
}
