import Foundation
import GRDB
import IntercomAPI

/// Turns Intercom JSON into column values, following the catalog.
public enum Normalizer {
    /// The values of `table`'s columns (and `raw`) for one item, in `columnNames` order.
    /// A value whose JSON type is not what the column expects is stored as what the column can hold (or NULL) and,
    /// with `drift`, counted there; `raw` keeps the original either way.
    package static func row(_ table: TableSpec, item: JSON, owner: String?, drift: DriftTally? = nil) -> [DatabaseValue] {
        var values: [DatabaseValue] = []
        values.reserveCapacity(table.columns.count + 1)
        for column in table.columns {
            let (value, drifted) = checkedValue(column, item: item, owner: owner)
            if let drifted { drift?.record(table: table.name, column: column.name, seen: drifted) }
            values.append(value)
        }
        if table.keepsRaw { values.append(rawText(table, item: item).databaseValue) }
        return values
    }

    /// The item's JSON as kept in `raw`, less the arrays whose elements are child rows keeping their own `raw`
    /// (a conversation's parts): those were stored twice, and made up 60% of a conversation's JSON. Nothing is lost,
    /// the list's other members (`total_count`) stay, and each part's `raw` is in `conversation_parts`.
    static func rawText(_ table: TableSpec, item: JSON) -> String {
        guard let owned = ownedArrayPaths[table.name] else { return item.text }
        var trimmed = item
        for path in owned { trimmed = removing(path, from: trimmed) }
        return trimmed.text
    }

    /// Per table, the array paths of children whose rows keep their own `raw`.
    static let ownedArrayPaths: [String: [[String]]] = {
        var paths: [String: [[String]]] = [:]
        for table in Catalog.tables {
            let owned = table.children.filter { Catalog.table($0.table).keepsRaw }.map(\.arrayPath)
            if !owned.isEmpty { paths[table.name] = owned }
        }
        return paths
    }()

    /// `json` without the member at `path`.
    static func removing(_ path: [String], from json: JSON) -> JSON {
        guard let key = path.first, case let .object(members) = json else { return json }
        if path.count == 1 { return .object(members.filter { $0.0 != key }) }
        return .object(members.map { $0.0 == key ? ($0.0, removing(Array(path.dropFirst()), from: $0.1)) : $0 })
    }

    /// One column's value.
    package static func value(_ column: ColumnSpec, item: JSON, owner: String?) -> DatabaseValue {
        checkedValue(column, item: item, owner: owner).0
    }

    /// One column's value, and the JSON type found when it was not one the column expects (nil when it was).
    static func checkedValue(_ column: ColumnSpec, item: JSON, owner: String?) -> (DatabaseValue, String?) {
        switch column.source {
        case .owner: return (owner?.databaseValue ?? .null, nil)
        case .computed: return (.null, nil)
        case .element: return convert(item, kind: column.kind)
        case let .path(path):
            // A step of the path that is a scalar or an array where an object belongs (`location: "Paris"`) is drift too.
            var current: JSON? = item
            for key in path {
                guard let here = current else { break }
                if case .object = here {} else if here != .null { return (.null, here.kindName) }
                current = here[key]
            }
            return convert(current, kind: column.kind)
        case let .anyOf(paths):
            // A path that runs through a scalar (`ticket_state.id` when `ticket_state` is a string) is absent, not drift:
            // that is the other shape. Drift is a container where a scalar belongs.
            var container = false
            for path in paths {
                switch lookup(item, path) {
                case nil, .null?: continue
                case .object?, .array?: container = true
                case let value?: return convert(value, kind: column.kind)
                }
            }
            return container ? checkedValue(ColumnSpec(column.name, column.kind, .path(paths[0])), item: item, owner: owner) : (.null, nil)
        case let .joined(paths):
            let parts = paths.map { path -> String in
                switch lookup(item, path) {
                case let .string(s)?: s
                case let .int(i)?: String(i)
                default: ""
                }
            }
            return (parts.joined(separator: ":").databaseValue, nil)
        }
    }

    /// The value at `path`, or nil when any step is missing.
    public static func lookup(_ item: JSON, _ path: [String]) -> JSON? {
        var current: JSON? = item
        for key in path { current = current?[key] }
        return current
    }

    /// Converts `json` for a column of `kind`. The second value is nil when the JSON type is one the column expects, and
    /// otherwise names the type found: the value is then kept as what the column can hold (a number's digits in a text
    /// column, a numeric string's number in an integer column) or NULL (an object where a number belongs).
    static func convert(_ json: JSON?, kind: ColumnKind) -> (DatabaseValue, String?) {
        guard let json, json != .null else { return (.null, nil) }
        let seen = json.kindName
        switch kind {
        case .text:
            switch json {
            case let .string(s): return (s.databaseValue, nil)
            case let .int(i): return (String(i).databaseValue, seen)
            case let .double(d): return (String(d).databaseValue, seen)
            case let .bool(b): return ((b ? "true" : "false").databaseValue, seen)
            default: return (json.text.databaseValue, seen)
            }
        case .id:
            switch json {
            case let .string(s): return (s.databaseValue, nil)
            case let .int(i): return (String(i).databaseValue, nil)
            case let .double(d): return ((Int(exactly: d).map(String.init) ?? String(d)).databaseValue, nil)
            default: return (json.text.databaseValue, seen)
            }
        case .assignee:
            // Intercom sends integers with 0 or null for "unassigned"; ids are TEXT like every other id.
            switch json {
            case let .int(i): return (i == 0 ? .null : String(i).databaseValue, nil)
            case let .string(s): return (s.isEmpty || s == "0" ? .null : s.databaseValue, nil)
            case let .double(d): return (d == 0 ? .null : (Int(exactly: d).map(String.init) ?? String(d)).databaseValue, nil)
            default: return (.null, seen)
            }
        case .integer:
            switch json {
            case let .int(i): return (i.databaseValue, nil)
            case let .double(d): return (Int(exactly: d)?.databaseValue ?? d.databaseValue, Int(exactly: d) == nil ? seen : nil)
            case let .bool(b): return ((b ? 1 : 0).databaseValue, seen)
            case let .string(s): return (Int(s)?.databaseValue ?? .null, seen)
            default: return (.null, seen)
            }
        case .boolean:
            switch json {
            case let .bool(b): return ((b ? 1 : 0).databaseValue, nil)
            case let .int(i) where i == 0 || i == 1: return (i.databaseValue, seen)
            case let .string(s) where s == "true" || s == "false": return ((s == "true" ? 1 : 0).databaseValue, seen)
            default: return (.null, seen)
            }
        case .real:
            switch json {
            case let .int(i): return (Double(i).databaseValue, nil)
            case let .double(d): return (d.databaseValue, nil)
            case let .string(s): return (Double(s)?.databaseValue ?? .null, seen)
            default: return (.null, seen)
            }
        case .timestamp:
            switch json {
            case let .int(i): return (i.databaseValue, nil)
            case let .double(d): return (Int(exactly: d.rounded(.down)).map { $0.databaseValue } ?? .null, d.isFinite ? nil : seen)
            // ISO-8601 text is how event summaries send times; digits in a string are drift, but still a time.
            case let .string(s):
                if let seconds = Int(s) { return (seconds.databaseValue, seen) }
                if let seconds = iso8601Seconds(s) { return (seconds.databaseValue, nil) }
                return (.null, seen)
            default: return (.null, seen)
            }
        case .json:
            switch json {
            case .object, .array: return (json.text.databaseValue, nil)
            default: return (json.text.databaseValue, seen)
            }
        case .label:
            switch json {
            case let .string(s): return (s.databaseValue, nil)
            case .null: return (.null, nil)
            default: return (json.text.databaseValue, nil)
            }
        }
    }

    /// Unix seconds of an ISO-8601 time such as `2026-01-01T10:00:00Z` or with `.000+00:00`.
    static func iso8601Seconds(_ text: String) -> Int? {
        if let date = try? Date(text, strategy: .iso8601) { return Int(date.timeIntervalSince1970) }
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        if let date = try? Date(text, strategy: fractional) { return Int(date.timeIntervalSince1970) }
        return nil
    }
}
