import Logging
import GRDB
import IntercomAPI
import MirrorStore

extension SyncEngine {
    /// Conversations: a full sweep lists every id (`GET /conversations`); an incremental pass searches `updated_at`
    /// (inclusive in conversation search, so the watermark second is re-read, never skipped). List and search items
    /// carry no parts, so each new or changed conversation is fetched whole: parts only for what changed.
    func syncConversations(full: Bool, checkpoint: Checkpoint, context: PassContext, report: inout ResourceReport) async throws {
        let options = context.options
        let sweeping = full || checkpoint.watermark == nil
        report.mode = sweeping ? "full" : "incremental"
        var state = checkpoint
        let resuming = state.mode == (sweeping ? .sweep : .incremental) && state.passStartedAt != nil
        if !resuming {
            state.mode = sweeping ? .sweep : .incremental
            state.position = nil
            state.passStartedAt = Self.now()
            if sweeping { state.sweepGeneration += 1 }
        }
        let style: PageStyle = sweeping
            ? .cursorList(path: "/conversations", itemsKey: "conversations", perPage: options.perPage)
            : .cursorSearch(path: "/conversations/search",
                            query: .object([("field", .string("updated_at")), ("operator", .string(">")), ("value", .int(state.watermark ?? 0))]),
                            sort: .object([("field", .string("updated_at")), ("order", .string("ascending"))]),
                            perPage: options.perPage)
        let table = Catalog.table("conversations")
        let generation = state.sweepGeneration
        try await store.write { [state] tx in try tx.save(state) }
        var walker = PageWalker(style, resume: state.position)
        while let request = walker.nextRequest() {
            let body: JSON
            do {
                body = try await client.send(request)
            } catch let IntercomError.rejected(400, _, message) where state.position != nil {
                logger.warning("stale cursor, restarting pass", metadata: ["resource": "conversations", "reason": "\(message)"])
                state.position = nil
                walker = PageWalker(style)
                continue
            }
            let page = walker.advance(with: body)
            if sweeping, let total = page.totalCount { report.intercomTotal = total }
            let listed = page.items.compactMap { item in item["id"]?.stringValue.map { ($0, item["updated_at"]?.intValue) } }
            let stored = try await store.write { tx in try tx.storedUpdatedAt(table, ids: listed.map(\.0)) }
            let changed = listed.filter { stored[$0.0] == nil || stored[$0.0] != $0.1 }.map(\.0)
            let unchanged = listed.map(\.0).filter { !changed.contains($0) }
            let details = try await concurrentMap(changed, limit: options.concurrency) { id -> (String, JSON?) in
                do {
                    return (id, try await self.client.send(IntercomRequest(.get, "/conversations/\(id)")))
                } catch IntercomError.notFound {
                    return (id, nil)  // deleted since it was listed
                }
            }
            state.position = page.next
            let saved = state
            let truncated = try await store.write { tx in
                var truncated = 0
                for (id, detail) in details {
                    guard let detail else {
                        try tx.delete(table, id: id, reason: "not_found", at: Self.now())
                        continue
                    }
                    try tx.upsert(table, item: detail, sweep: generation)
                    try tx.markPartsTruncation(conversation: id)
                    let parts = detail["conversation_parts"]?["conversation_parts"]?.arrayValue?.count ?? 0
                    if (detail["conversation_parts"]?["total_count"]?.intValue ?? 0) > parts { truncated += 1 }
                }
                if sweeping { try tx.stamp(table, ids: unchanged, sweep: generation) }
                try tx.save(saved)
                return truncated
            }
            report.truncated += truncated
            report.written += details.count
            progress.update(report.resource, written: report.written)
        }
        if sweeping {
            report.deleted += try await store.write { tx in
                let gone = try tx.unswept(table, generation: generation)
                for id in gone { try tx.delete(table, id: id, reason: "absent_from_full_sweep", at: Self.now()) }
                return gone.count
            }
        }
        report.deleted += try await syncDeletedConversations()
        let watermark = (state.passStartedAt ?? Self.now()) - options.indexLagSeconds
        report.mirrored = try await store.write { [state] tx in
            var done = state
            done.mode = .idle
            done.position = nil
            done.watermark = max(watermark, state.watermark ?? 0)
            if sweeping { done.lastFullSweepAt = Self.now() } else { done.lastIncrementalAt = Self.now() }
            try tx.save(done)
            return try tx.count(table)
        }
        if report.truncated == 0 {
            report.truncated = try await store.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM conversations WHERE parts_truncated = 1") ?? 0
            }
        }
    }

    /// `GET /conversations/deleted` lists deletions newest first: read until the ones already applied.
    func syncDeletedConversations() async throws -> Int {
        let key = "conversations_deleted"
        let since = try await store.checkpoint(key).watermark ?? 0
        let table = Catalog.table("conversations")
        var newest = since
        var deleted = 0
        // 60 is the page-size maximum of Intercom's page-numbered lists.
        pages: for try await page in client.pages(.pageNumber(path: "/conversations/deleted", itemsKey: "conversations", perPage: 60)) {
            var ids: [String] = []
            for item in page.items {
                let at = item["deleted_at"]?.intValue ?? Int.max
                // Equal times are re-applied: deleting twice changes nothing, skipping one would keep a ghost.
                if at < since { break pages }
                newest = max(newest, at)
                if let id = item["id"]?.stringValue { ids.append(id) }
            }
            let batch = ids
            deleted += try await store.write { tx in
                let present = try tx.storedUpdatedAt(table, ids: batch).keys
                for id in present { try tx.delete(table, id: id, reason: "deleted", at: Self.now()) }
                return present.count
            }
        }
        let mark = newest
        try await store.write { tx in
            var state = try Checkpoint.fetchOne(tx.db, key: key) ?? Checkpoint(resource: key)
            state.watermark = mark
            try tx.save(state)
        }
        return deleted
    }
}
