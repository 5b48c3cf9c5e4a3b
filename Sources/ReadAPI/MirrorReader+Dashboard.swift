import Foundation
import GRDB
import IntercomAPI
import MirrorStore

extension MirrorReader {
    /// `/counts`: the dashboard summary, in one read snapshot so its numbers agree with each other.
    func summary() async throws -> JSON {
        try await timed(budget: statusBudget) { db in
            func scalar(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            /// Counts keyed by the first column; NULL keys (unassigned) are spelled `unassigned`.
            func keyed(_ sql: String) throws -> JSON {
                .object(try Row.fetchAll(db, sql: sql).map { row in
                    (row[0] as String? ?? "unassigned", JSON.int(row[1] as Int? ?? 0))
                })
            }
            return .object([
                ("contacts", .object([("total", .int(try scalar("SELECT COUNT(*) FROM contacts"))),
                                      ("by_role", try keyed("SELECT role, COUNT(*) FROM contacts GROUP BY role ORDER BY role"))])),
                ("companies", .object([("total", .int(try scalar("SELECT COUNT(*) FROM companies")))])),
                ("conversations", .object([
                    ("total", .int(try scalar("SELECT COUNT(*) FROM conversations"))),
                    ("by_state", try keyed("SELECT state, COUNT(*) FROM conversations GROUP BY state ORDER BY state")),
                ])),
                ("open_conversations_per_admin", try keyed("""
                    SELECT admin_assignee_id, COUNT(*) FROM conversations WHERE state = 'open'
                    GROUP BY admin_assignee_id ORDER BY admin_assignee_id
                    """)),
                ("open_conversations_per_team", try keyed("""
                    SELECT team_assignee_id, COUNT(*) FROM conversations WHERE state = 'open'
                    GROUP BY team_assignee_id ORDER BY team_assignee_id
                    """)),
                ("contacts_per_tag", try keyed("SELECT tag_id, COUNT(*) FROM contact_tags GROUP BY tag_id ORDER BY tag_id")),
                ("contacts_per_segment", try keyed("SELECT segment_id, COUNT(*) FROM contact_segments GROUP BY segment_id ORDER BY segment_id")),
                ("companies_per_tag", try keyed("SELECT tag_id, COUNT(*) FROM company_tags GROUP BY tag_id ORDER BY tag_id")),
                ("companies_per_segment", try keyed("SELECT segment_id, COUNT(*) FROM company_segments GROUP BY segment_id ORDER BY segment_id")),
            ])
        }
    }

    /// The kinds of `/search` results.
    static var searchKinds: [String] { Schema.searchKinds }

    /// `/search`: FTS5 over conversation and part bodies, notes, and contact names and emails, best match first.
    /// Each word of `text` is matched as a literal phrase, so FTS5 syntax in a query is never interpreted.
    func search(_ text: String, kinds: [String], limit: Int) async throws -> [JSON] {
        let words = text.split(whereSeparator: \.isWhitespace).map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let match = words.joined(separator: " ")
        var sql = """
            SELECT kind, ref, conversation_id, contact_id, snippet(search_index, 0, '[', ']', '…', 16) AS snippet,
              bm25(search_index) AS rank FROM search_index WHERE search_index MATCH ?
            """
        var arguments: [DatabaseValue] = [match.databaseValue]
        if !kinds.isEmpty {
            sql += " AND kind IN (\(Array(repeating: "?", count: kinds.count).joined(separator: ", ")))"
            arguments += kinds.map(\.databaseValue)
        }
        sql += " ORDER BY rank LIMIT ?"
        arguments.append(limit.databaseValue)
        let query = sql, values = arguments
        return try await timed { db in
            try Row.fetchAll(db, sql: query, arguments: StatementArguments(values)).map { row in
                .object([
                    ("kind", .string(row["kind"])), ("id", .string(row["ref"])),
                    ("conversation_id", .string(row["conversation_id"] as String?)), ("contact_id", .string(row["contact_id"] as String?)),
                    ("snippet", .string(row["snippet"] as String?)), ("rank", .double(row["rank"] ?? 0)),
                ])
            }
        }
    }

    /// `/sync`: per resource, the last success, lag, rows against Intercom's totals, truncations, the last error and
    /// webhook counters. `lag_seconds` is now minus the newest change the mirror has applied (the newest `updated_at`
    /// it holds); for objects without `updated_at` (admins, teams, ...) it is the time since the last successful pass.
    func syncStatus(now: Int, webhooks: NotificationInbox.Counters? = nil) async throws -> JSON {
        try await timed(budget: statusBudget) { db in
            let tables = Set(Catalog.tables.map(\.name))
            let states = try Row.fetchAll(db, sql: "SELECT * FROM sync_state ORDER BY resource")
            let resources: [JSON] = try states.map { state in
                let resource: String = state["resource"]
                let lastSuccess: Int? = state["last_success_at"]
                let run = try Row.fetchOne(db, sql: "SELECT * FROM sync_runs WHERE resource = ? ORDER BY id DESC LIMIT 1", arguments: [resource])
                let counted = try Row.fetchOne(db, sql: """
                    SELECT mirrored_total, intercom_total, mismatch, finished_at FROM sync_runs
                    WHERE resource = ? AND intercom_total IS NOT NULL ORDER BY id DESC LIMIT 1
                    """, arguments: [resource])
                let rows = tables.contains(resource) ? try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(Schema.quotedName(resource))") : nil
                let truncated = resource == "conversations"
                    ? try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM conversations WHERE parts_truncated = 1") : nil
                let newestChange = tables.contains(resource) && Catalog.table(resource).columns.contains { $0.name == "updated_at" }
                    ? try Int.fetchOne(db, sql: "SELECT MAX(updated_at) FROM \(Schema.quotedName(resource))") : nil
                let sinceSuccess = lastSuccess.map { max(0, now - $0) }
                var fields: [(String, JSON)] = [
                    ("resource", .string(resource)), ("mode", .string(state["mode"] as String?)),
                    ("last_success_at", .int(lastSuccess)),
                    ("newest_change_at", .int(newestChange)),
                    ("lag_seconds", .int(newestChange.map { max(0, now - $0) } ?? sinceSuccess)),
                    ("seconds_since_success", .int(sinceSuccess)),
                    ("last_incremental_at", .int(state["last_incremental_at"] as Int?)),
                    ("last_full_sweep_at", .int(state["last_full_sweep_at"] as Int?)),
                    ("rows", .int(rows)), ("intercom_total", .int(counted?["intercom_total"] as Int?)),
                    ("mirrored_at_count", .int(counted?["mirrored_total"] as Int?)),
                    ("mismatch", .bool((counted?["mismatch"] as Int? ?? 0) != 0)),
                    ("truncated_conversations", .int(truncated)),
                    ("last_error", .string(state["last_error"] as String?)),
                ]
                if let webhooks, NotificationHint.Kind.allCases.contains(where: { $0.resource == resource }) {
                    fields.append(("webhooks", .object([
                        ("received", .int(webhooks.receivedByResource[resource] ?? 0)),
                        ("applied", .int(webhooks.appliedByResource[resource] ?? 0)),
                    ])))
                }
                if let run {
                    fields.append(("last_run", .object([
                        ("status", .string(run["status"] as String?)), ("mode", .string(run["mode"] as String?)),
                        ("started_at", .int(run["started_at"] as Int?)), ("finished_at", .int(run["finished_at"] as Int?)),
                        ("rows_written", .int(run["rows_written"] as Int?)), ("deleted", .int(run["deleted"] as Int?)),
                        ("api_calls", .int(run["api_calls"] as Int?)), ("error", .string(run["error"] as String?)),
                    ])))
                }
                return .object(fields)
            }
            let generation = try MirrorGeneration.current(db)
            return .object([
                ("data", .array(resources)), ("generation", .int(generation.generation)),
                ("last_write_at", .int(generation.changedAt)), ("webhooks", Self.webhookStatus(webhooks)),
            ])
        }
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
    func isReady() async throws -> Bool {
        try await timed { db in
            let tables = Set(Catalog.tables.map(\.name))
            let states = try Row.fetchAll(db, sql: "SELECT resource, last_success_at, last_error FROM sync_state")
                .filter { tables.contains($0["resource"]) }
            let succeeded = states.filter { ($0["last_success_at"] as Int?) != nil }.count
            let pending = states.filter { ($0["last_success_at"] as Int?) == nil && ($0["last_error"] as String?) == nil }.count
            return succeeded > 0 && pending == 0
        }
    }
}
