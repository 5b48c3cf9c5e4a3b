import IntercomAPI
import MirrorStore

/// A page of conversations or tickets ready to commit: each new or changed item fetched whole (nil: deleted since
/// listed), and the ids listed unchanged.
struct DetailPage: PreparedPage {
    var details: [(String, JSON?)]
    var unchanged: Set<String>
    /// Where an item keeps its parts, as the catalog says.
    let partsPath: [String]

    var rowCount: Int {
        details.reduce(0) { $0 + 1 + ($1.1.flatMap { Normalizer.lookup($0, partsPath) }?.arrayValue?.count ?? 0) }
    }
}

extension SyncEngine {
    /// Conversations: a full sweep lists every id (`GET /conversations`); an incremental pass searches `updated_at`
    /// (inclusive in conversation search, so the watermark second is re-read, never skipped). List and search items
    /// carry no parts, so each new or changed conversation is fetched whole: parts only for what changed.
    func syncConversations(full: Bool, checkpoint: Checkpoint, context: PassContext, report: inout ResourceReport) async throws {
        let options = context.options
        let sweeping = full || checkpoint.watermark == nil
        report.mode = sweeping ? "full" : "incremental"
        var state = try await beginPass(checkpoint, sweeping: sweeping)
        let style: PageStyle = sweeping
            ? .cursorList(path: "/conversations", itemsKey: "conversations", perPage: options.perPage)
            : .cursorSearch(path: "/conversations/search", itemsKey: "conversations",
                            query: .object([("field", .string("updated_at")), ("operator", .string(">")), ("value", .int(state.watermark ?? 0))]),
                            sort: .object([("field", .string("updated_at")), ("order", .string("ascending"))]),
                            perPage: options.perPage)
        try await syncDetailed(style, table: TableSpec.conversations, parts: TableSpec.conversationParts, sweeping: sweeping,
                               state: &state, context: context, report: &report) { tx, ids in try tx.conversationsWritten(ids) }
        report.deleted += try await syncDeletedConversations(access: context.access)
        report.mirrored = try await finishPass(state, table: TableSpec.conversations, indexLagSeconds: options.indexLagSeconds)
        // Truncation is a property of the mirror, not of one pass: report every conversation Intercom cut at 500.
        report.truncated = try await store.truncated(Catalog.partsTruncation)
    }

    /// Walks the pages of a listing of `table` (conversations, tickets), fetches each new or changed item whole from
    /// `/<table>/{id}` (its 500 most recent parts), and commits the items, their sweep stamps and the checkpoint together;
    /// `written` runs on the items written, in that transaction (truncation flags, metrics). A completed sweep then removes what
    /// it did not see.
    func syncDetailed(_ style: PageStyle, table: TableSpec, parts: TableSpec, sweeping: Bool, state: inout Checkpoint,
                      context: PassContext, report: inout ResourceReport,
                      written: @escaping @Sendable (MirrorTransaction, [String]) throws -> Void) async throws {
        let options = context.options
        let generation = state.sweepGeneration
        let store = self.store
        let partsPath = table.children.first { $0.table == parts.name }!.arrayPath
        try await walkPages(style, batchRows: options.batchRows, state: &state, report: &report) { page in
            let listed = page.items.compactMap { item in item["id"]?.idValue.map { ($0, item["updated_at"]?.intValue) } }
            let stored = try await store.storedUpdatedAt(table, ids: listed.map(\.0))
            let changed = listed.filter { stored[$0.0] == nil || stored[$0.0] != $0.1 }.map(\.0)
            let details = try await concurrentMap(changed, limit: options.concurrency) { id -> (String, JSON?) in
                do {
                    return (id, try await self.client.send(IntercomRequest(.get, "/\(table.name)/\(id)")))
                } catch IntercomError.notFound {
                    return (id, nil)  // deleted since it was listed
                }
            }
            return DetailPage(details: details, unchanged: Set(listed.map(\.0)).subtracting(changed), partsPath: partsPath)
        } commit: { pages, saved in
            try await store.write { tx in
                // Every item first, then each one's truncation flag and metrics (which read only that item's rows): the
                // writes go out together on PostgreSQL instead of waiting on a read after each item.
                var upserted: [String] = []
                for page in pages {
                    for (id, detail) in page.details {
                        guard let detail else {
                            try tx.delete(table, id: id, reason: "not_found", at: Self.now())
                            continue
                        }
                        try tx.upsert(table, item: detail, sweep: generation)
                        upserted.append(id)
                    }
                    if sweeping { try tx.stamp(table, ids: Array(page.unchanged), sweep: generation) }
                }
                try written(tx, upserted)
                try tx.save(saved)
            }
            return pages.reduce(0) { $0 + $1.details.count }
        }
        if sweeping {
            // A sweep that paged a search (tickets have no list) may not have been shown what changed within the index
            // lag of its start: such rows stay until a later sweep or a webhook says otherwise.
            var changedBefore: Int?
            if case .cursorSearch = style { changedBefore = (state.passStartedAt ?? Self.now()) - options.indexLagSeconds }
            let guardTime = changedBefore
            report.deleted += try await store.write { tx in
                try tx.deleteUnswept(table, generation: generation, changedBefore: guardTime, reason: "absent_from_full_sweep", at: Self.now())
            }
        }
    }

    /// `GET /conversations/deleted` lists deletions newest first: read until the ones already applied. Some workspaces
    /// and tokens do not have it (401 `token_unauthorized`, 403, 404): deletions are then found by full sweeps only,
    /// and the conversations themselves sync as usual.
    func syncDeletedConversations(access: PassAccess) async throws -> Int {
        let key = "conversations_deleted"
        let since = try await store.checkpoint(key).watermark ?? 0
        let table = TableSpec.conversations
        let store = self.store
        let client = self.client
        let outcome = try await sideCall(.conversationsDeleted, access) { () -> (newest: Int, deleted: Int) in
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
                    if let id = item["id"]?.idValue { ids.append(id) }
                }
                let batch = ids
                deleted += try await store.write { tx in
                    let present = try tx.storedUpdatedAt(table, ids: batch).keys
                    for id in present { try tx.delete(table, id: id, reason: "deleted", at: Self.now()) }
                    return present.count
                }
            }
            return (newest, deleted)
        }
        guard let outcome else { return 0 }
        let mark = outcome.newest
        try await store.write { tx in
            var state = try tx.checkpoint(key)
            state.raiseWatermark(to: mark)
            try tx.save(state)
        }
        return outcome.deleted
    }
}
