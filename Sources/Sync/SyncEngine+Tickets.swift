import IntercomAPI
import MirrorStore

extension SyncEngine {
    /// Tickets have no list endpoint: both passes page `POST /tickets/search`, the cursor in the body. A full sweep
    /// searches every ticket by `created_at` (which never moves, so a ticket changing mid-sweep keeps its place); an
    /// incremental pass searches `updated_at` from the watermark (inclusive, as for conversations). Each new or changed
    /// ticket is fetched whole (`GET /tickets/{id}`, its 500 most recent parts), so parts are re-read only for tickets
    /// that moved. Intercom has no feed of deleted tickets: deletions are found by full sweeps and `ticket.deleted`.
    func syncTickets(full: Bool, checkpoint: Checkpoint, context: PassContext, report: inout ResourceReport) async throws {
        let sweeping = full || checkpoint.watermark == nil
        report.mode = sweeping ? "full" : "incremental"
        var state = try await beginPass(checkpoint, sweeping: sweeping)
        let (field, from) = sweeping ? ("created_at", 0) : ("updated_at", state.watermark ?? 0)
        let style = PageStyle.cursorSearch(
            path: "/tickets/search", itemsKey: "tickets",
            query: .object([("field", .string(field)), ("operator", .string(">")), ("value", .int(from))]),
            sort: .object([("field", .string(field)), ("order", .string("ascending"))]), perPage: context.options.perPage)
        try await syncDetailed(style, table: TableSpec.tickets, parts: TableSpec.ticketParts, sweeping: sweeping, state: &state,
                               context: context, report: &report) { tx, ids in for id in ids { try tx.ticketWritten(id) } }
        report.mirrored = try await finishPass(state, table: TableSpec.tickets, indexLagSeconds: context.options.indexLagSeconds)
        report.truncated = try await store.truncated(Catalog.ticketPartsTruncation)
    }
}
