import Foundation
import GRDB
import IntercomAPI
import Synchronization

extension MirrorReader {
    /// `/counts`: the dashboard summary of `Catalog.dashboard`, in one read snapshot so its numbers agree with each
    /// other. Counts at one path prefix nest under it, in the catalog's order.
    public func summary() async throws -> JSON {
        let counts = Catalog.dashboard
        return try await timed(budget: statusBudget) { db in
            var answer: [(path: [String], value: JSON)] = []
            for count in counts { answer.append((count.path, try Self.value(of: count, db))) }
            return Self.nest(answer)
        }
    }

    /// One dashboard count: a total, or counts keyed by the grouped column (NULL keys, unassigned, are spelled
    /// `unassigned`).
    static func value(of count: DashboardCount, _ db: any SQLRunner) throws -> JSON {
        var sql = "FROM \(Schema.quotedName(count.table))"
        var arguments: [StoreValue] = []
        if let filter = count.filter {
            sql += " WHERE \(Schema.quotedName(filter.column)) = ?"
            arguments.append(.text(filter.value))
        }
        guard let group = count.groupBy.map(Schema.quotedName) else {
            return .int(try db.rows(SQLFragment("SELECT COUNT(*) \(sql)", arguments), limit: 1).first?.first?.integer ?? 0)
        }
        let rows = try db.rows(SQLFragment("SELECT \(group), COUNT(*) \(sql) GROUP BY \(group) ORDER BY \(group)\(db.dialect.nullsLowest(descending: false))", arguments))
        return .object(rows.map { ($0[0].string ?? "unassigned", JSON.int($0[1].integer ?? 0)) })
    }

    /// Values at paths as nested objects, keys in first-seen order.
    static func nest(_ entries: [(path: [String], value: JSON)]) -> JSON {
        var keys: [String] = []
        var grouped: [String: [(path: [String], value: JSON)]] = [:]
        for entry in entries {
            guard let head = entry.path.first else { continue }
            if grouped[head] == nil { keys.append(head) }
            grouped[head, default: []].append((Array(entry.path.dropFirst()), entry.value))
        }
        return .object(keys.map { key in
            let children = grouped[key]!
            if children.count == 1, children[0].path.isEmpty { return (key, children[0].value) }
            return (key, nest(children))
        })
    }

    /// A hit's ticket id, read from its row by the kind's catalog column (the index keeps no ticket id of its own).
    static let ticketOfHit: String = {
        let cases = Catalog.searchSources.compactMap { source -> String? in
            guard let column = source.ticketID else { return nil }
            let value = column == "id" ? "ref"
                : "(SELECT s.\(Schema.quotedName(column)) FROM \(Schema.quotedName(source.table)) s WHERE s.id = ref)"
            return "WHEN '\(source.kind)' THEN \(value)"
        }
        return cases.isEmpty ? "NULL" : "CASE kind \(cases.joined(separator: " ")) END"
    }()

    /// The kinds of `/search` results.
    public static var searchKinds: [String] { Catalog.searchSources.map(\.kind) }

    /// `/search`: full-text search (FTS5 on SQLite, tsvector on PostgreSQL; see `SQLDialect.search`) over conversation and part bodies (as text), notes, and contact names and emails, best match
    /// first. Each word of `text` is matched as a literal, so query syntax in it is never interpreted.
    public func search(_ text: String, kinds: [String], limit: Int) async throws -> [SearchHit] {
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        let query = store.dialect.search(words: words, kinds: kinds, limit: limit, ticketOfHit: Self.ticketOfHit)
        return try await timed { db in
            try db.rows(query).map { row in
                let rank: Double = if case let .double(x) = row[5] { x } else { Double(row[5].integer ?? 0) }
                return SearchHit(kind: row[0].string ?? "", id: row[1].string ?? "", conversationID: row[2].string,
                                 contactID: row[3].string, ticketID: row[6].string, markedSnippet: row[4].string ?? "", rank: rank)
            }
        }
    }

    /// `/sync`: per resource, its `status` (`ok`, `unavailable`, `failed`, `never`) with the `reason`, whether its rows
    /// are `stale`, the last success, lag, rows against Intercom's totals, truncations, drift, sub-resources that were
    /// refused, and webhook counters. `lag_seconds` is now minus the newest change the mirror has applied (the newest
    /// `updated_at` it holds); for objects without `updated_at` (admins, teams, ...) it is the time since the last
    /// successful pass.
    ///
    /// What it reads from the mirror changes only with a write, so it is read once per write generation (on a 100k
    /// mirror that read took 40 to 140 ms, and the page asks for it on every request); the figures that move with the
    /// clock (`lag_seconds`, `seconds_since_success`) and the process's own counters (webhooks, credentials, schedule)
    /// are added to it on every call.
    public func syncStatus(now: Int, webhooks: NotificationInbox.Counters? = nil, health: SyncHealth.State? = nil) async throws -> JSON {
        let current = try await generation().generation
        let snapshot: JSON
        if let kept = statusSnapshot.value(at: current) {
            snapshot = kept
        } else {
            let (generation, read) = try await statusFigures()
            statusSnapshot.keep(read, at: generation)
            snapshot = read
        }
        guard case var .object(answer) = snapshot else { return snapshot }
        if let index = answer.firstIndex(where: { $0.0 == "data" }), let entries = answer[index].1.arrayValue {
            answer[index].1 = .array(entries.map { Self.withClock($0, now: now, webhooks: webhooks) })
        }
        answer.append(("webhooks", Self.webhookStatus(webhooks)))
        if let health { answer.append(("intercom", Self.intercomStatus(health))) }
        if let schedule = health?.schedule { answer.append(("schedule", Self.scheduleStatus(schedule))) }
        return .object(answer)
    }

    /// A resource's entry with its clock figures at `now` (from its `newest_change_at` and `last_success_at`) and its
    /// webhook counters.
    static func withClock(_ entry: JSON, now: Int, webhooks: NotificationInbox.Counters?) -> JSON {
        guard case var .object(fields) = entry else { return entry }
        let sinceSuccess = entry["last_success_at"]?.intValue.map { max(0, now - $0) }
        let lag = entry["newest_change_at"]?.intValue.map { max(0, now - $0) } ?? sinceSuccess
        for (index, field) in fields.enumerated() {
            switch field.0 {
            case "lag_seconds": fields[index].1 = .int(lag)
            case "seconds_since_success": fields[index].1 = .int(sinceSuccess)
            default: break
            }
        }
        if let webhooks, let resource = entry["resource"]?.stringValue,
           NotificationHint.Kind.allCases.contains(where: { $0.resource == resource }) {
            fields.append(("webhooks", .object([
                ("received", .int(webhooks.receivedByResource[resource] ?? 0)),
                ("applied", .int(webhooks.appliedByResource[resource] ?? 0)),
            ])))
        }
        return .object(fields)
    }

    /// What `/sync` reads from the mirror, in one snapshot, and the generation it reflects; the clock figures are null.
    func statusFigures() async throws -> (Int, JSON) {
        try await timed(budget: statusBudget) { db in
            let tables = Set(Catalog.tables.map(\.name))
            let states = Dictionary(try db.named("SELECT * FROM sync_state").map { ($0.text("resource") ?? "", $0) },
                                    uniquingKeysWith: { a, _ in a })
            let access = try db.named("SELECT * FROM sync_access ORDER BY scope")
            var unavailable: [JSON] = []
            let names = Set(Catalog.resources).union(states.keys).sorted()
            let resources: [JSON] = try names.map { resource in
                let state = states[resource]
                let lastSuccess: Int? = state?.int("last_success_at")
                let run = try db.named("SELECT * FROM sync_runs WHERE resource = ? ORDER BY id DESC LIMIT 1", resource).first
                let finished = try db.named("""
                    SELECT * FROM sync_runs WHERE resource = ? AND status IN ('succeeded', 'failed', 'unavailable')
                    ORDER BY id DESC LIMIT 1
                    """, resource).first
                let counted = try db.named("""
                    SELECT mirrored_total, intercom_total, mismatch, finished_at FROM sync_runs
                    WHERE resource = ? AND intercom_total IS NOT NULL ORDER BY id DESC LIMIT 1
                    """, resource).first
                let rows = tables.contains(resource) ? try db.integer("SELECT COUNT(*) FROM \(Schema.quotedName(resource))") : nil
                let truncated = try Catalog.truncations.first { $0.table == resource }.map { try MirrorTransaction(sql: db).truncated($0) }
                let newestChange = tables.contains(resource) && Catalog.table(resource).columns.contains { $0.name == "updated_at" }
                    ? try db.integer("SELECT MAX(updated_at) FROM \(Schema.quotedName(resource))") : nil
                let status = Self.resourceStatus(finished)
                let reason = Self.reason(finished)
                var fields: [(String, JSON)] = [
                    ("resource", .string(resource)), ("status", .string(status)), ("reason", reason),
                    ("stale", .bool(status == "unavailable" || status == "failed")),
                    ("mode", .string(state?.text("mode"))),
                    ("last_success_at", .int(lastSuccess)),
                    ("newest_change_at", .int(newestChange)),
                    ("lag_seconds", .null), ("seconds_since_success", .null),  // filled in per call by `withClock`
                    ("last_incremental_at", .int(state?.int("last_incremental_at"))),
                    ("last_full_sweep_at", .int(state?.int("last_full_sweep_at"))),
                    ("rows", .int(rows)), ("intercom_total", .int(counted?.int("intercom_total"))),
                    ("mirrored_at_count", .int(counted?.int("mirrored_total"))),
                    ("mismatch", .bool((counted?.int("mismatch") ?? 0) != 0)),
                    // Conversations (kept under its first name) and tickets whose parts Intercom capped at 500.
                    ("truncated_conversations", .int(resource == TableSpec.conversations.name ? truncated : nil)),
                    ("truncated", .int(truncated)),
                    ("last_error", .string(state?.text("last_error"))),
                    ("drift", .object([
                        ("values", .int(finished?.int("drift_values") ?? 0)),
                        ("fields", finished?.text("drift_fields").flatMap { try? JSON.parse(Array($0.utf8)) } ?? .object([])),
                    ])),
                ]
                if status == "unavailable" {
                    unavailable.append(.object([("name", .string(resource)), ("kind", .string("resource")), ("reason", reason)]))
                }
                let scopes = access.filter { $0.text("resource") == resource }
                if !scopes.isEmpty {
                    fields.append(("sub_resources", .array(scopes.map { row in
                        let entry = Self.accessEntry(row)
                        if row.text("status") == "unavailable" {
                            unavailable.append(.object([("name", .string(row.text("scope"))), ("kind", .string("sub_resource")),
                                                        ("parent", .string(resource)), ("reason", entry["reason"] ?? .null)]))
                        }
                        return entry
                    })))
                }
                if resource == TableSpec.conversations.name {
                    let feed = scopes.first { $0.text("scope") == "conversations_deleted" }
                    let feedOK = feed.map { $0.text("status") == "ok" }
                    fields.append(("deletions", .object([
                        ("feed", .string(feedOK.map { $0 ? "ok" : "unavailable" } ?? "never")),
                        ("found_by", .string(feedOK == false ? "full_sweep_only" : "feed_and_full_sweep")),
                        ("reason", feed.flatMap { Self.accessEntry($0)["reason"] } ?? .null),
                    ])))
                }
                if let notes = finished?.text("notes").flatMap({ try? JSON.parse(Array($0.utf8)) }) {
                    fields.append(("notes", notes))
                }
                if let run {
                    fields.append(("last_run", .object([
                        ("status", .string(run.text("status"))), ("mode", .string(run.text("mode"))),
                        ("started_at", .int(run.int("started_at"))), ("finished_at", .int(run.int("finished_at"))),
                        ("rows_written", .int(run.int("rows_written"))), ("deleted", .int(run.int("deleted"))),
                        ("api_calls", .int(run.int("api_calls"))), ("error", .string(run.text("error"))),
                    ])))
                }
                return .object(fields)
            }
            let generation = try MirrorGeneration.current(db)
            return (generation.generation, .object([
                ("data", .array(resources)), ("unavailable", .array(unavailable)), ("generation", .int(generation.generation)),
                ("last_write_at", .int(generation.changedAt)),
            ]))
        }
    }

    /// A resource's status from its last finished run: `never` without one.
    static func resourceStatus(_ run: NamedRow?) -> String {
        switch run?.text("status") {
        case nil: "never"
        case "succeeded": "ok"
        case let other?: other
        }
    }

    /// Why a run did not end `ok`: Intercom's status, code, message and endpoint for `unavailable`, the error for `failed`.
    static func reason(_ run: NamedRow?) -> JSON {
        guard let run else { return .null }
        switch run.text("status") {
        case "unavailable":
            return .object([
                ("http_status", .int(run.int("http_status"))), ("code", .string(run.text("error_code"))),
                ("message", .string(run.text("error"))), ("endpoint", .string(run.text("endpoint"))),
            ])
        case "failed": return .object([("message", .string(run.text("error")))])
        default: return .null
        }
    }

    /// One `sync_access` row: a sub-resource's or feed's status and, when unavailable, Intercom's reason.
    static func accessEntry(_ row: NamedRow) -> JSON {
        let unavailable = row.text("status") == "unavailable"
        return .object([
            ("scope", .string(row.text("scope"))), ("status", .string(row.text("status"))),
            ("reason", unavailable ? .object([
                ("http_status", .int(row.int("http_status"))), ("code", .string(row.text("code"))),
                ("message", .string(row.text("message"))), ("endpoint", .string(row.text("endpoint"))),
            ]) : .null),
            ("since", .int(row.int("since"))), ("checked_at", .int(row.int("checked_at"))),
        ])
    }

    /// The sync's view of Intercom: the host, whether the token was accepted, and whose it is (never the token).
    static func intercomStatus(_ health: SyncHealth.State) -> JSON {
        let workspace = health.workspace
        return .object([
            ("host", .string(health.host)),
            ("credentials", .string(health.credentialProblem != nil ? "rejected" : health.checkedAt == nil ? "unknown" : "ok")),
            ("message", .string(health.credentialProblem)),
            ("checked_at", .int(health.checkedAt)),
            ("workspace", workspace.map { w in .object([
                ("app_id", .string(w.appID)), ("name", .string(w.name)), ("region", .string(w.region)),
                ("timezone", .string(w.timezone)), ("admin_id", .string(w.adminID)), ("admin_email", .string(w.adminEmail)),
            ]) } ?? .null),
        ])
    }

    /// The scheduler's plan: intervals, the pass under way, and when the next pass and full sweep start.
    static func scheduleStatus(_ s: SyncHealth.Schedule) -> JSON {
        .object([
            ("interval_seconds", .int(s.interval)), ("full_sweep_interval_seconds", .int(s.fullInterval)),
            ("running", .bool(s.runningSince != nil)), ("running_since", .int(s.runningSince)), ("running_full", .bool(s.runningSince != nil && s.full)),
            ("next_pass_at", .int(s.nextPassAt)), ("next_pass_full", .bool(s.runningSince == nil && s.full)),
            ("next_full_sweep_at", .int(s.nextFullSweepAt)),
        ])
    }

    /// The webhook counters since the process started; `enabled: false` when no secret is configured.
    static func webhookStatus(_ counters: NotificationInbox.Counters?) -> JSON {
        guard let c = counters else { return .object([("enabled", .bool(false))]) }
        return .object([
            ("enabled", .bool(true)), ("received", .int(c.received)), ("rejected", .int(c.rejectedTotal)),
            ("rejected_by_reason", .object(c.rejected.keys.sorted().map { ($0, .int(c.rejected[$0]!)) })),
            ("applied", .int(c.applied)), ("duplicates", .int(c.duplicates)), ("ignored", .int(c.ignored)),
            ("failed", .int(c.failed)), ("overflowed", .int(c.overflowed)), ("pending", .int(c.pending)),
            ("last_received_at", .int(c.lastReceivedAt)), ("last_applied_at", .int(c.lastAppliedAt)),
        ])
    }

    /// Ready once a first sync has completed: some resource has succeeded and none is still in its first pass.
    /// Auxiliary checkpoints (the deleted-conversations feed) are not resources and do not count.
    public func isReady() async throws -> Bool {
        try await timed { db in
            let tables = Set(Catalog.tables.map(\.name))
            let states = try db.named("SELECT resource, last_success_at, last_error FROM sync_state")
                .filter { tables.contains($0.text("resource") ?? "") }
            let succeeded = states.filter { $0.int("last_success_at") != nil }.count
            let pending = states.filter { $0.int("last_success_at") == nil && $0.text("last_error") == nil }.count
            return succeeded > 0 && pending == 0
        }
    }
}

/// One `/search` result. `markedSnippet` is text around the match, each match between `HTMLText.matchStart` and
/// `HTMLText.matchEnd`.
public struct SearchHit: Sendable {
    public let kind: String
    public let id: String
    public let conversationID: String?
    public let contactID: String?
    public let ticketID: String?
    public let markedSnippet: String
    public let rank: Double

    public init(kind: String, id: String, conversationID: String?, contactID: String?, ticketID: String?, markedSnippet: String,
                rank: Double) {
        self.kind = kind
        self.id = id
        self.conversationID = conversationID
        self.contactID = contactID
        self.ticketID = ticketID
        self.markedSnippet = markedSnippet
        self.rank = rank
    }

    /// The hit as `/search` gives it (`snippet`, matches in `[` `]`), or with `marked` its snippet still marked (for a
    /// cache of hits, read back by `init(json:)`).
    public func json(marked: Bool = false) -> JSON {
        .object([("kind", .string(kind)), ("id", .string(id)), ("conversation_id", .string(conversationID)),
                 ("contact_id", .string(contactID)), ("ticket_id", .string(ticketID)),
                 marked ? ("marked", .string(markedSnippet)) : ("snippet", .string(snippet)), ("rank", .double(rank))])
    }

    /// A hit from its `json`.
    public init?(json: JSON) {
        guard let kind = json["kind"]?.stringValue, let id = json["id"]?.stringValue else { return nil }
        self.init(kind: kind, id: id, conversationID: json["conversation_id"]?.stringValue, contactID: json["contact_id"]?.stringValue,
                  ticketID: json["ticket_id"]?.stringValue, markedSnippet: json["marked"]?.stringValue ?? "",
                  rank: json["rank"]?.doubleValue ?? 0)
    }

    /// The snippet as the API sends it: matches in `[` `]`.
    public var snippet: String {
        String(markedSnippet.map { $0 == HTMLText.matchStart ? "[" : $0 == HTMLText.matchEnd ? "]" : $0 })
    }

    /// The snippet cut into runs of text, each saying whether it is a match (for a page that marks them up).
    public var runs: [(text: String, match: Bool)] {
        var runs: [(String, Bool)] = [], current = "", inMatch = false
        for c in markedSnippet {
            if c == HTMLText.matchStart || c == HTMLText.matchEnd {
                if !current.isEmpty { runs.append((current, inMatch)) }
                current = ""
                inMatch = c == HTMLText.matchStart
            } else { current.append(c) }
        }
        if !current.isEmpty { runs.append((current, inMatch)) }
        return runs
    }
}

/// The last `/sync` figures read from the mirror and the write generation they reflect.
final class StatusSnapshot: Sendable {
    private let kept = Mutex<(generation: Int, value: JSON)?>(nil)

    func value(at generation: Int) -> JSON? { kept.withLock { $0?.generation == generation ? $0?.value : nil } }

    /// Keeps `value` unless a snapshot of a later generation is kept already.
    func keep(_ value: JSON, at generation: Int) {
        kept.withLock { current in
            if (current?.generation ?? -1) <= generation { current = (generation, value) }
        }
    }
}
