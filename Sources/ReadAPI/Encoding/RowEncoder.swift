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

    /// A list page in its envelope (`data`, `next_cursor`, and `total_count` when counted), written straight to bytes:
    /// building each row as a value first took a third of a 50-row page's time.
    static func page(_ page: MirrorReader.Page, _ projection: Projection) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1_024 + page.rows.count * 1_024)
        out.append(contentsOf: #"{"data":["#.utf8)
        for (n, row) in page.rows.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            write(row, projection, into: &out)
        }
        out.append(contentsOf: #"],"next_cursor":"#.utf8)
        JSON.string(page.next?.encoded).write(into: &out)
        if let total = page.total { out.append(contentsOf: #","total_count":\#(total)"#.utf8) }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Writes one item like `object(_:_:)` straight into `out`, without building it as a value first. A JSON column's
    /// text is copied as it is stored: the normalizer wrote it with the same encoder, compact. Text that does not open
    /// and close like an object or an array is parsed as `value(_:kind:)` does.
    static func write(_ values: [StoreValue], _ projection: Projection, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (n, field) in projection.selected.enumerated() {
            out.append(contentsOf: n == 0 ? projection.keys[n].dropFirst() : projection.keys[n][...])
            let stored = values[field.index]
            if field.column.kind == .json, case let .text(text) = stored, Self.isStoredContainer(text) {
                out.append(contentsOf: text.utf8)
            } else {
                value(stored, kind: field.column.kind).write(into: &out)
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Whether `text` starts and ends like a JSON object or array, as the normalizer writes them.
    static func isStoredContainer(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard let first = utf8.first, let last = utf8.last else { return false }
        return (first == UInt8(ascii: "{") && last == UInt8(ascii: "}")) || (first == UInt8(ascii: "[") && last == UInt8(ascii: "]"))
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
    /// Each selected field's `,"name":`, encoded once per page instead of once per row.
    let keys: [[UInt8]]

    init(resource: ReadResource, fields: [ColumnSpec]?) {
        let all = resource.fields
        if let fields {
            selected = fields.compactMap { field in all.firstIndex { $0.name == field.name }.map { ($0, all[$0]) } }
        } else {
            selected = all.enumerated().map { ($0.offset, $0.element) }
        }
        keys = selected.map { field in
            var key: [UInt8] = [UInt8(ascii: ",")]
            JSON.writeString(field.column.name, into: &key)
            return key + [UInt8(ascii: ":")]
        }
    }
}
