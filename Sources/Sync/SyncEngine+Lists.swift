import IntercomAPI
import MirrorStore

/// Small lists Intercom returns whole: refreshed in full every pass and diffed, since they have no delete signal.
struct ListSource: Sendable {
    let table: String
    let requests: [(path: String, query: [(String, String)], itemsKey: String)]
    /// Set for lists that page (articles).
    let paged: PageStyle?

    static let admins = ListSource(table: TableSpec.admins.name, requests: [("/admins", [], "admins")], paged: nil)
    static let teams = ListSource(table: TableSpec.teams.name, requests: [("/teams", [], "teams")], paged: nil)
    static let tags = ListSource(table: TableSpec.tags.name, requests: [("/tags", [], "data")], paged: nil)
    static let segments = ListSource(table: TableSpec.segments.name, requests: [("/segments", [("include_count", "true")], "segments")], paged: nil)
    static let dataAttributes = ListSource(table: TableSpec.dataAttributes.name, requests: [
        ("/data_attributes", [("model", "contact")], "data"), ("/data_attributes", [("model", "company")], "data"),
    ], paged: nil)
    static let ticketTypes = ListSource(table: TableSpec.ticketTypes.name, requests: [("/ticket_types", [], "data")], paged: nil)
    static let ticketStates = ListSource(table: TableSpec.ticketStates.name, requests: [("/ticket_states", [], "data")], paged: nil)
    /// 50 is well inside the articles endpoint's page-size limit.
    static let articles = ListSource(table: TableSpec.articles.name, requests: [], paged: .pageNumber(path: "/articles", itemsKey: "data", perPage: 50))
}

extension SyncEngine {
    /// Fetches a whole list, then writes it, removes what vanished, and saves the checkpoint in one transaction.
    /// With `sweepContinues`, the checkpoint stays in sweep mode: more of the sweep (segment members) follows, and a
    /// crash before it ends must bring the next pass back to it.
    func syncList(_ source: ListSource, full: Bool, sweepContinues: Bool = false, report: inout ResourceReport) async throws {
        var items: [JSON] = []
        for request in source.requests {
            let body = try await client.send(IntercomRequest(.get, request.path, query: request.query))
            items += body[request.itemsKey]?.arrayValue ?? []
        }
        if let paged = source.paged {
            for try await page in client.pages(paged) { items += page.items }
        }
        let table = Catalog.table(source.table)
        let fetched = items
        let (written, deleted, mirrored) = try await store.write { tx in
            var checkpoint = try tx.checkpoint(source.table)
            let generation = checkpoint.sweepGeneration + 1
            for item in fetched { try tx.upsert(table, item: item, sweep: generation) }
            let gone = try tx.deleteUnswept(table, generation: generation, reason: "absent_from_list", at: Self.now())
            checkpoint.finishRefresh(generation: generation, at: Self.now(), continues: sweepContinues)
            try tx.save(checkpoint)
            return (fetched.count, gone, try tx.count(table))
        }
        report.written += written
        report.deleted += deleted
        report.mirrored = mirrored
        report.intercomTotal = fetched.count
        progress.update(report.resource, written: report.written)
    }

    /// Segment membership has no change signal (segments are filters), so full sweeps rebuild it per segment
    /// from a contact search on `segment_id`: one page per 150 members instead of one call per contact.
    func syncSegmentMembers(report: inout ResourceReport, context: PassContext) async throws {
        let segmentIDs = try await store.ids(of: Catalog.table(SyncResource.segments.rawValue))
        let links = TableSpec.contactSegments
        let client = self.client
        for segmentID in segmentIDs {
            let query: JSON = .object([("field", .string("segment_id")), ("operator", .string("=")), ("value", .string(segmentID))])
            let style = PageStyle.cursorSearch(path: "/contacts/search", itemsKey: "data", query: query, sort: nil,
                                               perPage: context.options.perPage)
            // Refused or missing: membership stays as mirrored, and the segments themselves are synced.
            guard let members = try await sideCall(.contactSegments, context.access, { () -> [String] in
                var members: [String] = []
                for try await page in client.pages(style) { members += page.items.compactMap { $0["id"]?.idValue } }
                return members
            }) else { continue }
            let rows: [[String?]] = members.map { [$0, segmentID] }
            try await store.write { tx in try tx.replaceRows(links, where: "segment_id", equals: segmentID, values: rows) }
            report.written += rows.count
            progress.update(report.resource, written: report.written)
        }
        try await store.write { tx in
            var checkpoint = try tx.checkpoint(SyncResource.segments.rawValue)
            checkpoint.finishSweep(at: Self.now())
            try tx.save(checkpoint)
        }
    }
}
