import Logging
import GRDB
import IntercomAPI
import MirrorStore

extension SyncEngine {
    /// Event summaries come one call per user and carry no change signal, so they are fetched on full sweeps
    /// (and on the first sync), for every user in the mirror, resuming after the last user committed.
    func syncEventSummaries(full: Bool, checkpoint: Checkpoint, context: PassContext, report: inout ResourceReport) async throws {
        guard full else {
            report.mode = "skipped"
            return
        }
        report.mode = "full"
        var state = checkpoint
        if state.mode != .sweep {
            state.mode = .sweep
            state.position = nil
            state.passStartedAt = Self.now()
        }
        let table = Catalog.table("event_summaries")
        let batchSize = context.options.perPage
        while true {
            let after = state.position ?? ""
            let users = try await store.read { db in
                try String.fetchAll(db, sql: "SELECT id FROM contacts WHERE role = 'user' AND id > ? ORDER BY id LIMIT ?",
                                    arguments: [after, batchSize])
            }
            guard let last = users.last else { break }
            let summaries = try await concurrentMap(users, limit: context.options.concurrency) { id -> (String, [JSON]) in
                do {
                    let body = try await self.client.send(IntercomRequest(.get, "/events", query: [
                        ("type", "user"), ("intercom_user_id", id), ("summary", "true"),
                    ]))
                    let events = (body["events"]?.arrayValue ?? []).map { event -> JSON in
                        guard case let .object(members) = event else { return event }
                        return .object(members + [("contact_id", .string(id))])
                    }
                    return (id, events)
                } catch IntercomError.notFound, IntercomError.merged {
                    return (id, [])
                }
            }
            state.position = last
            let saved = state
            try await store.write { tx in
                for (id, events) in summaries {
                    try tx.replaceRows(table, where: "contact_id", equals: id, rows: events.map { Normalizer.row(table, item: $0, owner: nil) })
                }
                try tx.save(saved)
            }
            report.written += summaries.reduce(0) { $0 + $1.1.count }
            progress.update(report.resource, written: report.written)
        }
        report.mirrored = try await store.write { [state] tx in
            var done = state
            done.mode = .idle
            done.position = nil
            done.lastFullSweepAt = Self.now()
            try tx.save(done)
            return try tx.count(table)
        }
    }
}
