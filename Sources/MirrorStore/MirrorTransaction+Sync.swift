import IntercomAPI
import GRDB

extension MirrorTransaction {
    /// Marks rows as seen by a full sweep without rewriting them (unchanged conversations).
    public func stamp(_ table: TableSpec, ids: [String], sweep: Int) throws {
        let statement = try db.cachedStatement(sql: "UPDATE \(Schema.quoted(table.name)) SET \(Schema.sweepColumn) = ? WHERE id = ?")
        for id in ids { try statement.execute(arguments: [sweep, id]) }
    }

    /// Records whether Intercom cut a conversation's parts: its total is more than the parts we hold.
    public func markPartsTruncation(conversation id: String) throws {
        try db.cachedStatement(sql: """
            UPDATE conversations SET parts_truncated =
              (COALESCE(parts_total_count, 0) > (SELECT COUNT(*) FROM conversation_parts WHERE conversation_id = ?))
            WHERE id = ?
            """).execute(arguments: [id, id])
    }

    /// Opens a `sync_runs` row and returns its id.
    public func openRun(resource: String, mode: String, at now: Int) throws -> Int64 {
        try db.execute(sql: "INSERT INTO sync_runs (resource, mode, started_at) VALUES (?, ?, ?)", arguments: [resource, mode, now])
        return db.lastInsertedRowID
    }

    /// Closes a `sync_runs` row with what the pass wrote and what Intercom said it has.
    public func closeRun(_ id: Int64, status: String, written: Int, deleted: Int, mirrored: Int?, intercomTotal: Int?,
                         truncated: Int, apiCalls: Int, error: String?, at now: Int) throws {
        let mismatch = mirrored != nil && intercomTotal != nil && mirrored != intercomTotal
        try db.execute(sql: """
            UPDATE sync_runs SET finished_at = ?, status = ?, rows_written = ?, deleted = ?, mirrored_total = ?,
              intercom_total = ?, mismatch = ?, truncated = ?, api_calls = ?, error = ? WHERE id = ?
            """, arguments: [now, status, written, deleted, mirrored, intercomTotal, mismatch, truncated, apiCalls, error, id])
    }

    /// Runs a process killed mid-pass left open are closed as interrupted.
    public func closeInterruptedRuns(at now: Int) throws {
        try db.execute(sql: "UPDATE sync_runs SET status = 'interrupted', finished_at = ? WHERE status = 'running'", arguments: [now])
    }

    /// Rows in `table`.
    public func count(_ table: TableSpec) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(Schema.quoted(table.name))") ?? 0
    }
}
