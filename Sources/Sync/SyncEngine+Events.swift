import IntercomAPI
import MirrorStore

extension SyncEngine {
    /// Event summaries come one call per user and carry no change signal, so they are fetched on full sweeps
    /// (and on the first sync), for every user in the mirror, resuming after the last user committed. When this pass's
    /// full contact sweep already fetched them page by page (`PassContext.inlineEvents`), there is nothing left to do.
    func syncEventSummaries(full: Bool, checkpoint: Checkpoint, context: PassContext, report: inout ResourceReport) async throws {
        if let written = context.inlineEvents?.completed {
            report.mode = "full"
            report.written = written
            report.mirrored = try await store.count(TableSpec.eventSummaries)
            return
        }
        guard full else {
            report.mode = "skipped"
            return
        }
        report.mode = "full"
        var state = checkpoint
        state.beginUserSweep(at: Self.now())
        let batchSize = context.options.perPage
        while true {
            let after = state.position ?? ""
            let users = try await store.userIDs(after: after, limit: batchSize)
            guard let last = users.last else { break }
            let summaries = try await fetchEventSummaries(users, access: context.access, limit: context.options.concurrency)
            // Refused (or missing) for this token: the resource is unavailable, the summaries held are kept, and the
            // sweep resumes here on the next pass.
            if !context.access.allows(.eventSummaries), let problem = context.access.outcome(.eventSummaries).problem {
                throw problem.error
            }
            state.advance(to: last)
            let saved = state
            report.written += try await store.write { tx in
                let written = try Self.applyEventSummaries(summaries, tx: tx)
                try tx.save(saved)
                return written
            }
            progress.update(report.resource, written: report.written)
        }
        report.mirrored = try await store.write { [state] tx in
            try Self.finishEventSweep(state, tx: tx)
            return try tx.count(TableSpec.eventSummaries)
        }
    }

    /// Each user's event summaries (`GET /events?summary=true`). A user gone since it was listed, or a call refused
    /// (see `PassAccess`), gives nil: the summaries held for that user stay.
    func fetchEventSummaries(_ users: [String], access: PassAccess, limit: Int) async throws -> [(String, [JSON]?)] {
        try await concurrentMap(users, limit: limit) { id -> (String, [JSON]?) in
            do {
                let body = try await self.sideCall(.eventSummaries, access) {
                    try await self.client.send(IntercomRequest(.get, "/events", query: [
                        ("type", "user"), ("intercom_user_id", id), ("summary", "true"),
                    ]))
                }
                let events = body.map { body in
                    (body["events"]?.arrayValue ?? []).map { event -> JSON in
                        guard case let .object(members) = event else { return event }
                        return .object(members + [("contact_id", .string(id))])
                    }
                }
                return (id, events)
            } catch IntercomError.merged {
                return (id, nil)
            }
        }
    }

    /// Replaces each user's stored summaries with the fetched ones (users with nil keep theirs); returns the rows written.
    static func applyEventSummaries(_ summaries: [(String, [JSON]?)], tx: MirrorTransaction) throws -> Int {
        let table = TableSpec.eventSummaries
        var written = 0
        for (id, events) in summaries {
            guard let events else { continue }
            try tx.replaceRows(table, where: "contact_id", equals: id, items: events)
            written += events.count
        }
        return written
    }

    /// Records a completed sweep of every user's summaries in the events checkpoint.
    static func finishEventSweep(_ state: Checkpoint, tx: MirrorTransaction) throws {
        var done = state
        done.finishSweep(at: now())
        try tx.save(done)
    }
}
