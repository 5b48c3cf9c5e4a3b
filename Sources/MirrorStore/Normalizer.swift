import Foundation
import GRDB
import IntercomAPI

/// Turns Intercom JSON into column values, following the catalog.
public enum Normalizer {
    /// The values of `table`'s columns (and `raw`) for one item, in `columnNames` order.
    public static func row(_ table: TableSpec, item: JSON, owner: String?) -> [DatabaseValue] {
        var values = table.columns.map { value($0, item: item, owner: owner) }
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
    public static func value(_ column: ColumnSpec, item: JSON, owner: String?) -> DatabaseValue {
        switch column.source {
        case .owner: return owner?.databaseValue ?? .null
        case .computed: return .null
        case .element: return convert(item, kind: column.kind)
        case let .path(path): return convert(lookup(item, path), kind: column.kind)
        case let .joined(paths):
            let parts = paths.map { path -> String in
                switch lookup(item, path) {
                case let .string(s)?: s
                case let .int(i)?: String(i)
                default: ""
                }
            }
            return parts.joined(separator: ":").databaseValue
        }
    }

    /// The value at `path`, or nil when any step is missing.
    public static func lookup(_ item: JSON, _ path: [String]) -> JSON? {
        var current: JSON? = item
        for key in path { current = current?[key] }
        return current
    }

    static func convert(_ json: JSON?, kind: ColumnKind) -> DatabaseValue {
        guard let json, json != .null else { return .null }
        switch kind {
        case .text:
            switch json {
            case let .string(s): return s.databaseValue
            case let .int(i): return String(i).databaseValue
            case let .double(d): return String(d).databaseValue
            case let .bool(b): return (b ? "true" : "false").databaseValue
            default: return json.text.databaseValue
            }
        case .id:
            switch json {
            case let .string(s): return s.databaseValue
            case let .int(i): return String(i).databaseValue
            case let .double(d): return (Int(exactly: d).map(String.init) ?? String(d)).databaseValue
            default: return json.text.databaseValue
            }
        case .assignee:
            // Intercom sends integers with 0 or null for "unassigned"; ids are TEXT like every other id.
            switch json {
            case let .int(i): return i == 0 ? .null : String(i).databaseValue
            case let .string(s): return s.isEmpty || s == "0" ? .null : s.databaseValue
            case let .double(d): return d == 0 ? .null : (Int(exactly: d).map(String.init) ?? String(d)).databaseValue
            default: return .null
            }
        case .integer, .boolean:
            switch json {
            case let .int(i): return i.databaseValue
            case let .bool(b): return (b ? 1 : 0).databaseValue
            case let .double(d): return Int(exactly: d)?.databaseValue ?? d.databaseValue
            case let .string(s): return Int(s)?.databaseValue ?? (s == "true" ? 1.databaseValue : s == "false" ? 0.databaseValue : s.databaseValue)
            default: return json.text.databaseValue
            }
        case .real:
            return json.doubleValue?.databaseValue ?? json.text.databaseValue
        case .timestamp:
            switch json {
            case let .int(i): return i.databaseValue
            case let .double(d): return Int(d).databaseValue
            case let .string(s): return (Int(s) ?? iso8601Seconds(s))?.databaseValue ?? s.databaseValue
            default: return .null
            }
        case .json:
            return json.text.databaseValue
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
