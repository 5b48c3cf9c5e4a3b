import Foundation
import IntercomAPI
import MirrorStore

/// A contact page item with the extra lists fetched for it.
struct EnrichedContact: Sendable {
    var item: JSON
    var fullLists: [String: [JSON]] = [:]
    var keep: Set<String> = []
    /// The contact's notes when they changed; nil leaves the stored notes alone.
    var notes: [JSON]?
}

/// A contact page ready to commit: its contacts with their fetched lists, and its users' event summaries (nil for a
/// user whose summaries could not be fetched: the stored ones stay).
struct ContactPage: PreparedPage {
    var contacts: [EnrichedContact]
    var eventSummaries: [(String, [JSON]?)]

    var rowCount: Int {
        contacts.reduce(0) { $0 + 1 + ($1.notes?.count ?? 0) + $1.fullLists.values.reduce(0) { $0 + $1.count } }
            + eventSummaries.reduce(0) { $0 + ($1.1?.count ?? 0) }
    }
}

extension SyncEngine {
    /// Contacts: a full sweep lists every contact (`GET /contacts`); an incremental pass searches
    /// `updated_at` from the start of the watermark's day, because contact search compares dates by whole days
    /// in the workspace timezone: `updated_at > T` silently skips the rest of T's day.
    func syncContacts(full: Bool, checkpoint: Checkpoint, context: PassContext, report: inout ResourceReport) async throws {
        let options = context.options
        let sweeping = full || checkpoint.watermark == nil
        report.mode = sweeping ? "full" : "incremental"
        var state = try await beginPass(checkpoint, sweeping: sweeping)
        let style: PageStyle
        if sweeping {
            style = .cursorList(path: "/contacts", itemsKey: "data", perPage: options.perPage)
        } else {
            let bound = Self.dayBound(before: state.watermark ?? 0, timezone: context.timezone)
            style = .cursorSearch(path: "/contacts/search", itemsKey: "data",
                                  query: .object([("field", .string("updated_at")), ("operator", .string(">")), ("value", .int(bound))]),
                                  sort: .object([("field", .string("updated_at")), ("order", .string("ascending"))]),
                                  perPage: options.perPage)
        }
        let table = TableSpec.contacts
        let generation = state.sweepGeneration
        let store = self.store
        // A full sweep brings each page's event summaries along when the pass wants them (see `PassContext`). Only a
        // sweep that starts here covers every user: one resumed from a killed process may have begun without them.
        let events = sweeping && state.position == nil ? context.inlineEvents : nil
        try await walkPages(style, batchRows: options.batchRows, state: &state, report: &report) { page in
            async let enriched = enrichContacts(page.items, access: context.access, limit: options.concurrency)
            async let summaries = fetchEventSummaries(events == nil ? [] : Self.userIDs(page.items), access: context.access,
                                                      limit: options.concurrency)
            return ContactPage(contacts: try await enriched, eventSummaries: try await summaries)
        } commit: { pages, saved in
            let eventRows = try await store.write { tx in
                var written = 0
                for page in pages {
                    try Self.applyContacts(page.contacts, table: table, generation: generation, tx: tx)
                    written += try Self.applyEventSummaries(page.eventSummaries, tx: tx)
                }
                try tx.save(saved)
                return written
            }
            events?.add(eventRows)
            return pages.reduce(0) { $0 + $1.contacts.count }
        }
        if sweeping { report.deleted += try await resolveAbsentContacts(generation: generation, events: events, access: context.access) }
        report.mirrored = try await finishPass(state, table: table, indexLagSeconds: options.indexLagSeconds)
        // Summaries refused along the way leave the events pass to its own resource, which reports them unavailable.
        if let events, context.access.outcome(.eventSummaries).problem == nil {
            try await store.write { tx in
                let key = SyncResource.eventSummaries.rawValue
                try Self.finishEventSweep(try tx.checkpoint(key), tx: tx)
            }
            events.markComplete()
        }
    }

    /// Ids of the users among contact items: event summaries exist for users only. A `role` that is not a string (schema
    /// drift) may still be a user's, so only a contact that says it is a lead is left out.
    static func userIDs(_ items: [JSON]) -> [String] {
        items.filter { $0["role"]?.stringValue != "lead" }.compactMap { $0["id"]?.idValue }
    }

    /// The last second of the day before the one holding `watermark`, in the workspace timezone: contact search's
    /// `updated_at > bound` then starts at the watermark's midnight and nothing of that day is skipped.
    static func dayBound(before watermark: Int, timezone: TimeZone) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timezone
        let midnight = calendar.startOfDay(for: Date(timeIntervalSince1970: TimeInterval(watermark)))
        return Int(midnight.timeIntervalSince1970) - 1
    }

    static func applyContacts(_ contacts: [EnrichedContact], table: TableSpec, generation: Int, tx: MirrorTransaction) throws {
        let notes = TableSpec.notes
        for contact in contacts {
            try tx.upsert(table, item: contact.item, sweep: generation, fullLists: contact.fullLists, keep: contact.keep)
            if let list = contact.notes, let id = contact.item["id"]?.idValue {
                try tx.replaceRows(notes, where: "contact_id", equals: id,
                                   items: list)
            }
        }
    }

    /// Fetches the sub-lists a page's contacts need: lists cut at 10 (`has_more`) and notes that changed.
    func enrichContacts(_ items: [JSON], access: PassAccess, limit: Int) async throws -> [EnrichedContact] {
        let ids = items.compactMap { $0["id"]?.idValue }
        let stored = try await store.storedContacts(ids)
        return try await concurrentMap(items, limit: limit) { item in
            try await self.enrich(item, stored: item["id"]?.idValue.flatMap { stored[$0] }, access: access)
        }
    }

    /// A sub-list that is refused (see `PassAccess`) or gone since the page was listed leaves what the mirror holds of
    /// it as it is: the contact itself is still written, and the next full sweep tries the list again.
    func enrich(_ item: JSON, stored: StoredContact?, access: PassAccess) async throws -> EnrichedContact {
        var result = EnrichedContact(item: item)
        guard let id = item["id"]?.idValue else { return result }
        let changed = stored?.updatedAt != item["updated_at"]?.intValue
        do {
            for child in TableSpec.contacts.children {
                guard let hasMorePath = child.hasMorePath, let fullList = child.fullList,
                      let scope = AccessScope.forChild(child.table) else { continue }
                let listPath = Array(child.arrayPath.dropLast())
                let total = Normalizer.lookup(item, listPath + ["total_count"])?.intValue
                let embedded = Normalizer.lookup(item, child.arrayPath)?.arrayValue
                // `has_more` decides; when it is not a boolean (drift), the list is fetched unless the embedded one is
                // known to be whole.
                let cut: Bool = switch Normalizer.lookup(item, hasMorePath) {
                case let .bool(flag)?: flag
                case nil where embedded != nil && total == nil: false
                default: total.map { $0 > (embedded?.count ?? 0) } ?? true
                }
                guard cut else { continue }
                if changed || stored?.childCounts[child.table] != total {
                    let path = fullList.path.replacingOccurrences(of: "{id}", with: id)
                    if let body = try await sideCall(scope, access, { try await client.send(IntercomRequest(.get, path)) }) {
                        result.fullLists[child.table] = body[fullList.itemsKey]?.arrayValue ?? []
                        continue
                    }
                }
                result.keep.insert(child.table)
            }
            // A `notes` that is not a list object, or a `total_count` that is not a number (drift), is unknown: the
            // notes are fetched rather than the stored ones dropped.
            let noteTotal: Int? = switch item["notes"] {
            case nil, .null?: 0
            case let .object(members)?: members.first { $0.0 == "total_count" }.map { $0.1 == .null ? 0 : $0.1.intValue } ?? 0
            default: nil
            }
            let embedded = Set((item["notes"]?["data"]?.arrayValue ?? []).compactMap { $0["id"]?.idValue })
            let held = stored?.noteIDs ?? []
            if noteTotal == 0 {
                if !held.isEmpty { result.notes = [] }
            } else if noteTotal == nil || held.count != noteTotal || !embedded.isSubset(of: held) {
                result.notes = try await sideCall(.notes, access) {
                    var notes: [JSON] = []
                    for try await page in client.pages(.pageNumber(path: "/contacts/\(id)/notes", itemsKey: "data", perPage: 60)) {
                        notes += page.items
                    }
                    return notes
                }
            }
        } catch IntercomError.merged {
            // Merged since the page was listed; the next sweep settles it. Keep what we hold rather than half a list.
            result.fullLists = [:]
            result.keep = Set(TableSpec.contacts.children.map(\.table))
            result.notes = nil
        }
        return result
    }

    /// Contacts a complete sweep did not list: a `GET` tells deleted (404) from merged (410, with the survivor).
    func resolveAbsentContacts(generation: Int, events: InlineEvents?, access: PassAccess) async throws -> Int {
        let table = TableSpec.contacts
        let absent = try await store.unswept(table, generation: generation)
        var deleted = 0
        for id in absent {
            do {
                let item = try await client.send(IntercomRequest(.get, "/contacts/\(id)"))
                let enriched = try await enrich(item, stored: nil, access: access)
                let summaries = try await fetchEventSummaries(events == nil ? [] : Self.userIDs([item]), access: access, limit: 1)
                let eventRows = try await store.write { tx in
                    try Self.applyContacts([enriched], table: table, generation: generation, tx: tx)
                    return try Self.applyEventSummaries(summaries, tx: tx)
                }
                events?.add(eventRows)
            } catch IntercomError.notFound {
                try await store.write { tx in try tx.delete(table, id: id, reason: "not_found", at: Self.now()) }
                deleted += 1
            } catch let IntercomError.merged(_, survivor) {
                try await store.write { tx in try tx.delete(table, id: id, reason: "merged", mergedInto: survivor, at: Self.now()) }
                deleted += 1
            }
        }
        return deleted
    }
}
