import Foundation
import IntercomAPI
import MirrorStore

/// Turns mirror rows into API JSON: booleans as `true`/`false`, JSON columns (custom attributes) as objects,
/// timestamps as unix seconds, ids as strings, all typed by the catalog.
enum RowEncoder {
    static func value(_ stored: StoreValue, kind: ColumnKind) -> JSON {
        switch stored {
        case .null: return .null
        case let .int(n):
            switch kind {
            case .boolean: return .bool(n != 0)
            case .text, .id, .assignee: return .string(String(n))
            case .real: return .double(Double(n))
            default: return .int(Int(n))
            }
        case let .double(x): return kind == .integer || kind == .timestamp ? .int(Int(x)) : .double(x)
        case let .text(s):
            if kind == .json { return (try? JSON.parse(s)) ?? .string(s) }
            if kind == .integer || kind == .timestamp, let n = Int(s) { return .int(n) }
            return .string(s)
        }
    }

    /// One item with the projection's fields, in the order asked for (catalog order by default).
    static func object(_ values: [StoreValue], _ projection: Projection) -> JSON {
        .object(projection.selected.map { ($0.column.name, value(values[$0.index], kind: $0.column.kind)) })
    }

    /// A CSV cell: text as is, JSON columns as their JSON text, NULL as empty; quoted when it has to be.
    static func csvCell(_ stored: StoreValue, _ column: ColumnSpec) -> String {
        let text: String
        switch value(stored, kind: column.kind) {
        case .null: text = ""
        case let .string(s): text = s
        case let .bool(b): text = b ? "true" : "false"
        case let .int(n): text = String(n)
        case let .double(x): text = String(x)
        case let other: text = other.text
        }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Which of a resource's columns a response shows: rows are read in the resource's column order, and the projection
/// picks from them by index.
struct Projection: Sendable {
    let selected: [(index: Int, column: ColumnSpec)]

    init(resource: ReadResource, fields: [ColumnSpec]?) {
        let all = resource.fields
        guard let fields else {
            selected = all.enumerated().map { ($0.offset, $0.element) }
            return
        }
        selected = fields.compactMap { field in all.firstIndex { $0.name == field.name }.map { ($0, all[$0]) } }
    }
}
