import IntercomAPI
import GRDB

extension MirrorTransaction {
    /// Marks rows as seen by a full sweep without rewriting them (unchanged conversations).
    public func stamp(_ table: TableSpec, ids: [String], sweep: Int) throws {
        let update = "UPDATE \(Schema.quoted(table.name)) SET \(Schema.sweepColumn) = ? WHERE id = ?"
        for id in ids { try sql.run(update, sweep, id) }
    }

    /// After a conversation or its parts were written: records whether Intercom cut its parts, and rewrites its
    /// metrics, in the same transaction.
    public func conversationWritten(_ id: String) throws { try conversationsWritten([id]) }

    /// `conversationWritten` for many conversations written in one transaction: one flag update and two reads per few
    /// hundred.
    public func conversationsWritten(_ ids: [String]) throws {
        for chunk in Self.chunked(ids) { try markPartsTruncation(Catalog.partsTruncation, ids: Array(chunk)) }
        try refreshMetrics(conversations: ids)
    }

    /// After a ticket or its parts were written: its truncation flag and its metrics, in the same transaction.
    public func ticketWritten(_ id: String) throws {
        try markPartsTruncation(Catalog.ticketPartsTruncation, id: id)
        try refreshMetrics(ticket: id)
    }

    /// Records whether Intercom cut an item's parts: its total is more than the parts we hold.
    func markPartsTruncation(_ spec: TruncationSpec, id: String) throws { try markPartsTruncation(spec, ids: [id]) }

    /// `markPartsTruncation` for up to a few hundred items, in one statement.
    func markPartsTruncation(_ spec: TruncationSpec, ids: [String]) throws {
        guard !ids.isEmpty else { return }
        let (table, flag, total) = (Schema.quoted(spec.table), Schema.quoted(spec.flag), Schema.quoted(spec.total))
        let parts = Schema.quoted(spec.parts)
        try sql.execute("""
            UPDATE \(table) SET \(flag) = CASE WHEN
              COALESCE(\(total), 0) > (SELECT COUNT(*) FROM \(parts) WHERE \(parts).\(Schema.quoted(spec.owner)) = \(table).id)
              THEN 1 ELSE 0 END
            WHERE id IN (\(Self.placeholders(ids.count)))
            """, ids.map(\.databaseValue))
    }

    /// Conversations or tickets (`spec`'s table) whose parts Intercom capped: the one count of `parts_truncated`, for the
    /// sync's report and `/sync`.
    public func truncated(_ spec: TruncationSpec) throws -> Int {
        try sql.integer("SELECT COUNT(*) FROM \(Schema.quoted(spec.table)) WHERE \(Schema.quoted(spec.flag)) = 1") ?? 0
    }

    /// Opens a `sync_runs` row and returns its id.
    public func openRun(resource: String, mode: String, at now: Int) throws -> Int64 {
        let id = try sql.fetch("INSERT INTO sync_runs (resource, mode, started_at) VALUES (?, ?, ?) RETURNING id", resource, mode, now)
        return Int64(id.first?.first?.integer ?? 0)
    }

    /// Closes a `sync_runs` row with what the pass wrote and what Intercom said it has. `status` is `succeeded`,
    /// `unavailable` (with `problem`: Intercom would not serve the resource to this token) or `failed`; `drift` is what the
    /// pass stored of values of unexpected types, and `notes` what it could only do another way (deletions by sweep).
    public func closeRun(_ id: Int64, status: String, written: Int, deleted: Int, mirrored: Int?, intercomTotal: Int?,
                         truncated: Int, apiCalls: Int, error: String?, problem: AccessProblem? = nil,
                         drift: [DriftedField] = [], notes: [String] = [], at now: Int) throws {
        let mismatch = mirrored != nil && intercomTotal != nil && mirrored != intercomTotal
        let driftJSON: JSON? = drift.isEmpty ? nil : .object(drift.map { field in
            (field.name, .object([("count", .int(field.count)), ("seen", .array(field.seen.map(JSON.string)))]))
        })
        try sql.run("""
            UPDATE sync_runs SET finished_at = ?, status = ?, rows_written = ?, deleted = ?, mirrored_total = ?,
              intercom_total = ?, mismatch = ?, truncated = ?, api_calls = ?, error = ?, http_status = ?, error_code = ?,
              endpoint = ?, drift_values = ?, drift_fields = ?, notes = ? WHERE id = ?
            """, now, status, written, deleted, mirrored, intercomTotal, mismatch, truncated, apiCalls,
                    error ?? problem?.message, problem?.status, problem?.code, problem?.endpoint,
                    drift.reduce(0) { $0 + $1.count }, driftJSON?.text,
                    notes.isEmpty ? nil : JSON.array(notes.map(JSON.string)).text, id)
    }

    /// Records whether a sub-resource or optional feed of `resource` (its `scope`, such as `notes` or
    /// `conversations_deleted`) answered this pass: `problem` nil is `ok`. `since` keeps the time the status began.
    public func recordAccess(scope: String, resource: String, problem: AccessProblem?, at now: Int) throws {
        let status = problem == nil ? "ok" : "unavailable"
        try sql.run("""
            INSERT INTO sync_access (scope, resource, status, http_status, code, message, endpoint, since, checked_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (scope) DO UPDATE SET resource = excluded.resource, status = excluded.status,
              http_status = excluded.http_status, code = excluded.code, message = excluded.message,
              endpoint = excluded.endpoint, checked_at = excluded.checked_at,
              since = CASE WHEN sync_access.status = excluded.status THEN sync_access.since ELSE excluded.since END
            """, scope, resource, status, problem?.status, problem?.code, problem?.message, problem?.endpoint, now, now)
    }

    /// Runs a process killed mid-pass left open are closed as interrupted.
    public func closeInterruptedRuns(at now: Int) throws {
        try sql.run("UPDATE sync_runs SET status = 'interrupted', finished_at = ? WHERE status = 'running'", now)
    }

    /// Rows in `table`.
    public func count(_ table: TableSpec) throws -> Int {
        try sql.integer("SELECT COUNT(*) FROM \(Schema.quoted(table.name))") ?? 0
    }
}
