import Foundation
import HTTPTypes
import IntercomAPI
import MirrorStore

extension Double {
    /// The value within `low...high`.
    func clamped(_ low: Double, _ high: Double) -> Double { Swift.min(Swift.max(self, low), high) }
}

/// `GET /{list}/aggregate`: the list's filters and `group_by`, plus `bucket=FIELD:UNIT`, `tz=`, `measures=`, `from=`
/// and `to=`. Fields are checked against the resource's allowlists like every list parameter.
struct AggregateQuery {
    static let parameters: Set<String> = ["bucket", "tz", "measures", "from", "to"]

    let list: ListQuery
    let bucket: (field: FilterTarget, name: String, unit: BucketUnit)?
    let timeZone: TimeZone
    /// The zone as asked for (Foundation names UTC `GMT`).
    let zoneName: String
    let measures: [Measure]
    let from: Int?
    let to: Int?

    init(_ parameters: [(key: String, value: String)], resource: ReadResource, defaultTimeZone: String?) throws(APIError) {
        let own = parameters.filter { Self.parameters.contains($0.key) }
        list = try ListQuery(parameters.filter { !Self.parameters.contains($0.key) }, resource: resource, accept: nil, aggregate: true)
        func value(_ key: String) -> String? { own.last { $0.key == key }?.value }

        var bucket: (field: FilterTarget, name: String, unit: BucketUnit)?
        if let text = value("bucket") {
            let pieces = text.split(separator: ":", maxSplits: 1).map(String.init)
            let units = BucketUnit.allCases.map(\.rawValue).joined(separator: ", ")
            guard pieces.count == 2, let unit = BucketUnit(rawValue: pieces[1]) else {
                throw APIError(.badRequest, "bad_bucket", "bucket takes FIELD:UNIT, the unit one of \(units).",
                               hint: "for example bucket=created_at:day")
            }
            let timestamps = resource.targetNames.filter { resource.target($0)?.kind == .timestamp }
            guard let field = resource.target(pieces[0]), field.kind == .timestamp else {
                throw .unknownField(pieces[0], parameter: "bucket", candidates: timestamps)
            }
            bucket = (field, pieces[0], unit)
        }
        self.bucket = bucket

        let zoneName = value("tz") ?? defaultTimeZone ?? "UTC"
        guard let zone = TimeZone(identifier: zoneName) else {
            throw APIError(.badRequest, "unknown_timezone", "tz=\(zoneName) is not an IANA time zone.",
                           hint: "for example tz=UTC, tz=America/Los_Angeles or tz=Australia/Sydney")
        }
        timeZone = zone
        self.zoneName = zoneName

        measures = try (value("measures") ?? "count").split(separator: ",").map { text throws(APIError) in
            try Self.measure(String(text), resource: resource)
        }
        from = try value("from").map { text throws(APIError) in try Self.time(text, "from") }
        to = try value("to").map { text throws(APIError) in try Self.time(text, "to") }
        if (from != nil || to != nil) && bucket == nil {
            throw APIError(.badRequest, "missing_bucket", "from= and to= bound a bucketed aggregate.", hint: "add bucket=FIELD:day")
        }
        if let from, let to, from > to { throw .badValue("from", String(from), expected: "a time at or before to=\(to)") }
    }

    /// `count`, or `FUNCTION:FIELD` over a numeric field (`count_distinct` takes any scalar field).
    static func measure(_ text: String, resource: ReadResource) throws(APIError) -> Measure {
        let functions = Measure.Function.allCases.map(\.rawValue)
        let pieces = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let function = pieces.first.flatMap(Measure.Function.init(rawValue:)) else {
            throw APIError(.badRequest, "unknown_measure", "Unknown measure \(text).",
                           hint: "measures take count, or one of \(functions.dropFirst().joined(separator: ", ")) as FUNCTION:FIELD")
        }
        if function == .count {
            guard pieces.count == 1 else { throw .badValue("measures", text, expected: "count without a field") }
            return Measure(function: .count, field: nil, name: text)
        }
        let numeric: Set<ColumnKind> = [.integer, .real, .timestamp, .boolean]
        let allowed = resource.targetNames.filter { function == .count_distinct || numeric.contains(resource.target($0)?.kind ?? .json) }
        guard pieces.count == 2, let field = resource.target(pieces[1]),
              function == .count_distinct || numeric.contains(field.kind ?? .json) else {
            throw APIError(.badRequest, "bad_measure", "\(text) needs a \(function == .count_distinct ? "" : "numeric ")field.",
                           hint: APIError.suggestion(for: pieces.count == 2 ? pieces[1] : "", in: allowed).map { "did you mean \(function.rawValue):\($0)?" }
                               ?? "numeric fields: \(allowed.prefix(12).joined(separator: ", "))")
        }
        return Measure(function: function, field: field, name: text)
    }

    static func time(_ text: String, _ parameter: String) throws(APIError) -> Int {
        let range = AggregatePlan.timeRange
        let value = Int(text) ?? ListQuery.isoDate(text).flatMap { date in
            range.contains(Int(date.timeIntervalSince1970.clamped(-1, 1e10))) ? Int(date.timeIntervalSince1970) : nil
        }
        guard let value, range.contains(value) else {
            throw .badNumber(parameter, text, range: "of unix seconds or an ISO 8601 date, from 1970 to 2200")
        }
        return value
    }

    /// The store's plan: the list's filters, with `from`/`to` bounding the bucket field.
    func plan(_ list: ListPlan) -> AggregatePlan {
        var filters = list.filters
        if let bucket, let from { filters.append(Filter(target: bucket.field, op: .gte, values: [.int(Int64(from))])) }
        if let bucket, let to { filters.append(Filter(target: bucket.field, op: .lte, values: [.int(Int64(to))])) }
        let bounded = ListPlan(resource: list.resource, relation: list.relation, sort: list.sort, filters: filters, groupBy: list.groupBy)
        return AggregatePlan(list: bounded, bucket: bucket.map { ($0.field, $0.unit) }, timeZone: timeZone, measures: measures,
                             from: from, to: to)
    }

    /// The answer: one object per bucket and group, the bucket as its start in unix seconds and as local ISO 8601.
    func encode(_ rows: [AggregateRow], groupBy: [ColumnSpec]) -> JSON {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = timeZone
        let data: [JSON] = rows.map { row in
            var fields: [(String, JSON)] = []
            if bucket != nil {
                fields.append(("bucket", .string(row.bucket.map { formatter.string(from: Date(timeIntervalSince1970: TimeInterval($0))) })))
                fields.append(("bucket_start", .int(row.bucket)))
            }
            for (column, value) in zip(groupBy, row.groups) { fields.append((column.name, RowEncoder.value(value, kind: column.kind))) }
            for (measure, value) in zip(measures, row.values) {
                guard let value else { fields.append((measure.name, .null)); continue }
                let integral = value == value.rounded() && abs(value) < 9e15
                fields.append((measure.name, integral ? .int(Int(value)) : .double(value)))
            }
            return .object(fields)
        }
        var answer: [(String, JSON)] = [("data", .array(data))]
        if let bucket {
            answer.append(("bucket", .object([("field", .string(bucket.name)), ("unit", .string(bucket.unit.rawValue)),
                                              ("tz", .string(zoneName))])))
        }
        return .object(answer)
    }
}
