import Foundation
import HTTPTypes
import IntercomAPI
import MirrorStore

/// The output formats of a list.
enum ListFormat: String {
    case json, csv, ndjson
}

/// A list request, parsed and checked against the resource's allowlists. Nothing in it is request text that
/// could reach SQL: column names are catalog names, everything else is a value to bind.
struct ListQuery {
    /// 50 keeps a default page small for dashboards; 1000 bounds one response's memory.
    static let defaultLimit = 50, maxLimit = 1000
    static let reserved: Set<String> = ["limit", "cursor", "sort", "fields", "count", "format", "group_by"]

    var limit = defaultLimit
    var sort: SortKey
    var cursor: Cursor?
    var filters: [Filter] = []
    /// Requested fields, in the caller's order; nil for all.
    var fields: [ColumnSpec]?
    var count = false
    var format = ListFormat.json
    var groupBy: [ColumnSpec] = []

    /// Filters per request. SQLite refuses an expression deeper than 1,000 nodes (SQLITE_MAX_EXPR_DEPTH), and each filter
    /// adds an AND level and its own terms (an `__eq` on an id matches text and number variants): about 1,000 filters
    /// answered 500. 100 is far more than a dashboard writes, and far inside that depth.
    static let maxFilters = 100

    /// Parses the query string of a list (or, with `counts`, of its group-by counts) over `resource`.
    /// With `aggregate`, `group_by` is allowed but not required.
    init(_ parameters: [(key: String, value: String)], resource: ReadResource, accept: String?, counts: Bool = false,
         aggregate: Bool = false) throws(APIError) {
        sort = resource.defaultSort
        var cursorText: String?
        if accept?.contains("text/csv") == true { format = .csv }
        if accept?.contains("application/x-ndjson") == true { format = .ndjson }
        for (key, value) in parameters {
            switch key {
            case "limit":
                guard let n = Int(value), (1...Self.maxLimit).contains(n) else {
                    throw .badNumber("limit", value, range: "from 1 to \(Self.maxLimit)")
                }
                limit = n
            case "cursor": cursorText = value
            case "sort": sort = try Self.parseSort(value, resource: resource)
            case "fields":
                fields = try value.split(separator: ",").map { name throws(APIError) in
                    guard let column = resource.field(String(name)) else {
                        throw .unknownField(String(name), parameter: "fields", candidates: resource.fields.map(\.name))
                    }
                    return column
                }
            case "count":
                do { count = try Self.parseBool(value, parameter: "count") } catch {
                    throw Self.reservedHint(error, key, value, resource: resource)
                }
            case "format":
                guard let f = ListFormat(rawValue: value) else { throw .badValue("format", value, expected: "json, csv or ndjson") }
                format = f
            case "group_by":
                guard counts || aggregate else { throw .unknownFilter(key, candidates: resource.filterable.map(\.name)) }
                groupBy = try value.split(separator: ",").map { name throws(APIError) in
                    guard let column = resource.filterableColumn(String(name)) else {
                        throw .unknownField(String(name), parameter: "group_by", candidates: resource.filterable.map(\.name))
                    }
                    return column
                }
            default:
                guard filters.count < Self.maxFilters else {
                    throw APIError(.badRequest, "too_many_filters", "A list takes at most \(Self.maxFilters) filters.",
                                   hint: "combine values with __in (name__in=a,b,c), or narrow the list in two requests")
                }
                filters.append(try Self.parseFilter(key: key, value: value, resource: resource))
            }
        }
        if counts && groupBy.isEmpty {
            throw APIError(.badRequest, "missing_group_by", "Counts need group_by=field[,field].",
                           hint: "for example group_by=\(resource.filterable.dropFirst().first?.name ?? "id")")
        }
        if let cursorText { cursor = try Cursor(decoding: cursorText, sort: sort) }
    }

    static func parseSort(_ text: String, resource: ReadResource) throws(APIError) -> SortKey {
        let descending = text.hasPrefix("-")
        let name = descending ? String(text.dropFirst()) : text
        guard resource.target(name) != nil else {
            throw .unknownField(name, parameter: "sort", candidates: resource.targetNames)
        }
        return SortKey(column: name, descending: descending)
    }

    /// A reserved parameter's bad value, with a hint when the resource also has a column of that name: Datasette's
    /// rule, the column is filtered with the explicit `name__eq=value`.
    static func reservedHint(_ error: APIError, _ key: String, _ value: String, resource: ReadResource) -> APIError {
        guard resource.filterableColumn(key) != nil else { return error }
        return APIError(error.status, error.code, error.message,
                        hint: "\(key) is a reserved parameter; to filter the \(key) column write \(key)__eq=\(value)")
    }

    static func parseBool(_ text: String, parameter: String) throws(APIError) -> Bool {
        switch text.lowercased() {
        case "true", "1", "": return true
        case "false", "0": return false
        default: throw .badValue(parameter, text, expected: "true or false")
        }
    }

    /// `field`, `field__op`, `custom_attributes.KEY` or `custom_attributes.KEY__op`.
    static func parseFilter(key: String, value: String, resource: ReadResource) throws(APIError) -> Filter {
        var name = key, op = FilterOperator.eq
        if let range = key.range(of: "__", options: .backwards) {
            let opText = String(key[range.upperBound...])
            guard let parsed = FilterOperator(rawValue: opText) else { throw .unknownOperator(opText) }
            op = parsed
            name = String(key[..<range.lowerBound])
        }
        let target: FilterTarget
        if let keyed = resource.keyedColumn, name.hasPrefix(keyed.name + ".") {
            let attribute = String(name.dropFirst(keyed.name.count + 1))
            guard !attribute.isEmpty, !attribute.contains("\"") else {
                throw .badValue("\(keyed.name) key", attribute, expected: "a key without double quotes")
            }
            target = .jsonKey(column: keyed.name, key: attribute)
        } else if let resolved = resource.target(name) {
            target = resolved
        } else {
            var candidates = resource.targetNames
            if let keyed = resource.keyedColumn { candidates.append(keyed.name + ".KEY") }
            throw .unknownFilter(name, candidates: candidates)
        }
        let values: [StoreValue]
        switch op {
        case .isnull: values = [.bool(try parseBool(value, parameter: key))]
        case .in:
            let items = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard items.count <= maxLimit else { throw .badValue(key, "\(items.count) values", expected: "at most \(maxLimit) values") }
            var converted: [StoreValue] = []
            for item in items { converted += try variants(item, for: target, parameter: key) }
            values = converted
        case .contains, .startswith:
            // Matched with LIKE: escape its wildcards so the value is taken literally.
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
            values = [.text(op == .contains ? "%\(escaped)%" : "\(escaped)%")]
        case .eq, .ne: values = try variants(value, for: target, parameter: key)
        default: values = [try convert(value, for: target, parameter: key)]
        }
        return Filter(target: target, op: op, values: values)
    }

    /// A query-string value as the column stores it: integers for numbers, timestamps (unix seconds or ISO 8601)
    /// and booleans, text otherwise. Custom attributes hold mixed types, so they take the most specific reading.
    static func convert(_ text: String, for target: FilterTarget, parameter: String) throws(APIError) -> StoreValue {
        switch target.kind {
        case let kind?:
            switch kind {
            case .integer:
                guard let n = Int64(text) else { throw .badNumber(parameter, text, range: "(64-bit)") }
                return .int(n)
            case .timestamp:
                if let n = Int64(text) { return .int(n) }
                if let date = isoDate(text) { return .int(Int64(date.timeIntervalSince1970)) }
                throw .badNumber(parameter, text, range: "of unix seconds, or an ISO 8601 date")
            case .real:
                guard let x = Double(text), x.isFinite else { throw .badNumber(parameter, text, range: "or decimal") }
                return .double(x)
            case .boolean:
                switch text.lowercased() {
                case "true", "1": return .int(1)
                case "false", "0": return .int(0)
                default: throw .badValue(parameter, text, expected: "true or false")
                }
            case .text, .id, .assignee, .json, .label:
                return .text(text)
            }
        case nil:
            if let n = Int64(text) { return .int(n) }
            if let x = Double(text), x.isFinite, text.contains(".") { return .double(x) }
            if text == "true" { return .int(1) }
            if text == "false" { return .int(0) }
            return .text(text)
        }
    }

    /// The values an equality test accepts: the converted value, and for custom attributes also the text as given,
    /// since one key can hold `123` in one contact and `"123"` in another.
    static func variants(_ text: String, for target: FilterTarget, parameter: String) throws(APIError) -> [StoreValue] {
        let value = try convert(text, for: target, parameter: parameter)
        guard case .jsonKey = target, value != .text(text) else { return [value] }
        return [value, .text(text)]
    }

    static func isoDate(_ text: String) -> Date? {
        let full = ISO8601DateFormatter()
        if let date = full.date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return day.date(from: text)
    }
}
