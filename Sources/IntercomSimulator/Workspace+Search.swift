import IntercomAPI
import Foundation
import Synchronization

extension Workspace {
    /// Which model a search runs over.
    enum SearchModel: String { case contacts, conversations, tickets }

    /// One page of search results: record ids in order, the total, and the body cursor for the next page.
    struct SearchPage {
        var ids: [String]
        var total: Int
        var next: String?
        var perPage: Int
        /// 1-based page number of this page.
        var number: Int
    }

    /// 150 is Intercom's per_page maximum for search.
    static let maxPerPage = 150

    /// Runs a search; the cursor is read from the body's `pagination.starting_after` only, as Intercom does.
    func search(_ model: SearchModel, body: JSON) throws(SimulatorError) -> SearchPage {
        guard let queryJSON = body["query"] else { throw .badRequest("query is required", code: "parameter_not_found") }
        let query = try SearchQuery.parse(queryJSON)
        let dateFields: Set<String> = switch model {
        case .contacts: SimContact.dateFields
        case .conversations: SimConversation.dateFields
        case .tickets: SimTicket.dateFields
        }
        let evaluator = SearchEvaluator(dayGranular: model == .contacts, dateFields: dateFields,
                                        timezone: timezone)
        try evaluator.validate(query)
        let sortField = body["sort"]?["field"]?.stringValue ?? "created_at"
        let descending = body["sort"]?["order"]?.stringValue == "descending"
        let perPage = min(max(body["pagination"]?["per_page"]?.intValue ?? 50, 1), Workspace.maxPerPage)
        var after: SearchKey?
        if let cursor = body["pagination"]?["starting_after"]?.stringValue {
            guard let key = Workspace.decodeCursor(cursor) else { throw .badRequest("invalid starting_after cursor") }
            after = key
        }

        let lag = runtime.withLock { $0.searchIndexLag }
        let cutoff = lag > 0 ? now() - lag : Int.max
        let cacheKey = "\(model.rawValue)|\(queryJSON.text)|\(sortField)|\(descending)"
        let version = state.withLock { $0.version }
        let cached = runtime.withLock { r in
            r.searchCache[cacheKey].flatMap { $0.version == version && $0.lagCutoff == cutoff ? $0.items : nil }
        }
        let keys: [SearchKey]
        if let cached {
            keys = cached
        } else {
            keys = state.withLock { s in
                var hits: [SearchKey] = []
                switch model {
                case .contacts:
                    for c in s.contacts where c.state == .active && c.changedAt <= cutoff
                        && evaluator.matches(query, c.searchValue) {
                        hits.append(SearchKey(value: Workspace.sortValue(c.searchValue(sortField)), seq: c.seq))
                    }
                case .conversations:
                    for c in s.conversations where c.deletedAt == nil && c.changedAt <= cutoff
                        && evaluator.matches(query, c.searchValue) {
                        hits.append(SearchKey(value: Workspace.sortValue(c.searchValue(sortField)), seq: c.seq))
                    }
                case .tickets:
                    for t in s.tickets where t.deletedAt == nil && t.changedAt <= cutoff
                        && evaluator.matches(query, { t.searchValue($0, s) }) {
                        hits.append(SearchKey(value: Workspace.sortValue(t.searchValue(sortField, s)), seq: t.seq))
                    }
                }
                return descending ? hits.sorted(by: >) : hits.sorted()
            }
            runtime.withLock { r in
                if r.searchCache.count > 64 { r.searchCache.removeAll() }
                r.searchCache[cacheKey] = (version, cutoff, keys)
            }
        }
        // Keyset position: stays correct while records change between pages.
        var start = 0
        if let after {
            var low = 0, high = keys.count
            while low < high {
                let mid = (low + high) / 2
                if descending ? keys[mid] > after : keys[mid] < after { low = mid + 1 } else { high = mid }
            }
            start = low < keys.count && keys[low] == after ? low + 1 : low
        }
        let pageKeys = Array(keys[min(start, keys.count)..<min(start + perPage, keys.count)])
        let ids = state.withLock { s in
            pageKeys.map { key in
                switch model {
                case .contacts: s.contacts[key.seq].id
                case .conversations: s.conversations[key.seq].id
                case .tickets: s.tickets[key.seq].id
                }
            }
        }
        let next = start + perPage < keys.count ? pageKeys.last.map(Workspace.encodeCursor) : nil
        return SearchPage(ids: ids, total: keys.count, next: next, perPage: perPage, number: start / perPage + 1)
    }

    static func sortValue(_ value: FieldValue) -> Int {
        switch value {
        case let .int(i): i ?? Int.min
        case let .bool(b): b ? 1 : 0
        default: 0
        }
    }

    static func encodeCursor(_ key: SearchKey) -> String {
        Data("\(key.value):\(key.seq)".utf8).base64EncodedString()
    }

    static func decodeCursor(_ text: String) -> SearchKey? {
        guard let data = Data(base64Encoded: text), let raw = String(data: data, encoding: .utf8) else { return nil }
        let parts = raw.split(separator: ":")
        guard parts.count == 2, let value = Int(parts[0]), let seq = Int(parts[1]) else { return nil }
        return SearchKey(value: value, seq: seq)
    }
}
