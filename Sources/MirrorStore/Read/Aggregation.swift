import Foundation

/// A calendar unit a timestamp field is bucketed by.
public enum BucketUnit: String, CaseIterable, Sendable {
    case hour, day, week, month

    var component: Calendar.Component {
        switch self {
        case .hour: .hour
        case .day: .day
        case .week: .weekOfYear
        case .month: .month
        }
    }
}

/// One measure of an aggregate: `count`, or a function of a numeric field (`median:metrics.time_to_first_response`).
public struct Measure: Sendable, Equatable {
    public enum Function: String, CaseIterable, Sendable {
        case count, count_distinct, sum, avg, min, max, median, p90, p95
    }

    public let function: Function
    /// The field, for every function but `count`.
    public let field: FilterTarget?
    /// The measure as the request spelled it: its key in each row of the answer.
    public let name: String

    public init(function: Function, field: FilterTarget?, name: String) {
        self.function = function
        self.field = field
        self.name = name
    }
}

/// A group-by aggregate over a list: rows bucketed by a timestamp field in a time zone's calendar and grouped by
/// columns, each with its measures. Computed from the matching rows in one read, so every engine answers the same.
public struct AggregatePlan: Sendable {
    public let list: ListPlan
    public let bucket: (field: FilterTarget, unit: BucketUnit)?
    public let timeZone: TimeZone
    public let measures: [Measure]
    /// With both, every bucket from the one holding `from` to the one holding `to` is in the answer, empty or not. The
    /// list plan's filters are expected to hold the bucket field within them.
    public let from: Int?
    public let to: Int?

    public init(list: ListPlan, bucket: (field: FilterTarget, unit: BucketUnit)?, timeZone: TimeZone, measures: [Measure],
                from: Int? = nil, to: Int? = nil) {
        self.list = list
        self.bucket = bucket
        self.timeZone = timeZone
        self.measures = measures
        self.from = from
        self.to = to
    }

    /// Fields read per row: the bucket field, the group columns, then each measure's field.
    var fields: [FilterTarget] {
        (bucket.map { [$0.field] } ?? []) + list.groupBy.map { .column(name: $0.name, kind: $0.kind) } + measures.compactMap(\.field)
    }

    /// Times `from` and `to` may take: those a bucket can hold (1970 to 2200).
    public static let timeRange = Aggregator.bucketRange

    /// A calendar in the plan's zone whose weeks start on Monday.
    var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        calendar.firstWeekday = 2
        calendar.minimumDaysInFirstWeek = 4
        return calendar
    }
}

/// One row of an aggregate's answer.
public struct AggregateRow: Sendable, Equatable {
    /// The bucket's start, unix seconds (nil without a bucket, or for rows whose field is NULL).
    public let bucket: Int?
    public let groups: [StoreValue]
    /// The measures in the plan's order; nil when no row had a value (an empty bucket's `median`).
    public let values: [Double?]
}

enum Aggregator {
    /// Times a bucket can hold: 1970 to 2200. A stored timestamp outside (a drifted value) is counted without a bucket.
    static let bucketRange = 0...7_258_118_400

    /// The answer from the matching rows (`fields` of the plan per row), buckets in time order, groups in value order.
    static func aggregate(_ plan: AggregatePlan, rows: [[StoreValue]]) -> [AggregateRow] {
        let calendar = plan.calendar
        let hasBucket = plan.bucket != nil
        let groupWidth = plan.list.groupBy.count
        let offset = (hasBucket ? 1 : 0) + groupWidth
        // Bucket starts for sorted timestamps: one calendar call per bucket, not per row.
        var starts: [Int: Int] = [:]
        if let unit = plan.bucket?.unit {
            let stamps = Set(rows.compactMap { $0[0].integer }).filter(bucketRange.contains).sorted()
            var current: (start: Int, end: Int)?
            for stamp in stamps {
                if let c = current, stamp < c.end, stamp >= c.start { starts[stamp] = c.start; continue }
                let interval = calendar.dateInterval(of: unit.component, for: Date(timeIntervalSince1970: TimeInterval(stamp)))!
                current = (Int(interval.start.timeIntervalSince1970), Int(interval.end.timeIntervalSince1970))
                starts[stamp] = current!.start
            }
        }
        struct Key: Hashable { let bucket: Int?, groups: [StoreValue] }
        var grouped: [Key: [[StoreValue]]] = [:]
        for row in rows {
            let bucket = hasBucket ? row[0].integer.flatMap { starts[$0] } : nil
            let key = Key(bucket: bucket, groups: Array(row[(hasBucket ? 1 : 0)..<offset]))
            grouped[key, default: []].append(Array(row[offset...]))
        }
        if let unit = plan.bucket?.unit, let from = plan.from, let to = plan.to, from <= to {
            let groupKeys = Set(grouped.keys.map(\.groups)).sorted { compare($0, $1) }
            var date = calendar.dateInterval(of: unit.component, for: Date(timeIntervalSince1970: TimeInterval(from)))!.start
            let end = Date(timeIntervalSince1970: TimeInterval(to))
            var emitted = 0
            // 10,000 buckets, or 100,000 bucket-and-group rows, bound an answer (hourly buckets over a year are 8,760).
            while date <= end, emitted < 10_000, emitted * max(1, groupKeys.count) < 100_000 {
                for groups in groupKeys.isEmpty ? [[StoreValue](repeating: .null, count: groupWidth)] : groupKeys {
                    let key = Key(bucket: Int(date.timeIntervalSince1970), groups: groups)
                    if grouped[key] == nil { grouped[key] = [] }
                }
                emitted += 1
                date = calendar.dateInterval(of: unit.component, for: date)!.end
            }
        }
        return grouped.map { key, rows in
            var fieldIndex = 0
            let values: [Double?] = plan.measures.map { measure in
                guard measure.field != nil else { return Double(rows.count) }
                defer { fieldIndex += 1 }
                let index = fieldIndex
                return measureValue(measure.function, rows.map { $0[index] })
            }
            return AggregateRow(bucket: key.bucket, groups: key.groups, values: values)
        }.sorted { a, b in
            if a.bucket != b.bucket { return (a.bucket ?? .min) < (b.bucket ?? .min) }
            return compare(a.groups, b.groups)
        }
    }

    /// One measure over a group's values; NULLs are left out, and `count` counts rows.
    static func measureValue(_ function: Measure.Function, _ stored: [StoreValue]) -> Double? {
        if function == .count_distinct { return Double(Set(stored.filter { !$0.isNull }).count) }
        let values = stored.compactMap { value -> Double? in
            switch value {
            case let .int(n): Double(n)
            case let .double(x): x
            case let .text(s): Double(s)
            case .null: nil
            }
        }
        if function == .count { return Double(stored.count) }
        guard !values.isEmpty else { return nil }
        switch function {
        case .sum: return values.reduce(0, +)
        case .avg: return values.reduce(0, +) / Double(values.count)
        case .min: return values.min()
        case .max: return values.max()
        case .median: return values.sorted()[(values.count - 1) / 2]
        case .p90: return nearestRank(values, 0.90)
        case .p95: return nearestRank(values, 0.95)
        case .count, .count_distinct: return nil
        }
    }

    /// The nearest-rank percentile: the smallest value with at least `p` of the values at or below it.
    static func nearestRank(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }

    /// Group values in SQLite's order: NULL first, numbers before text.
    static func compare(_ a: [StoreValue], _ b: [StoreValue]) -> Bool {
        for (x, y) in zip(a, b) where x != y { return order(x, y) }
        return false
    }

    static func order(_ x: StoreValue, _ y: StoreValue) -> Bool {
        func rank(_ v: StoreValue) -> Int { switch v { case .null: 0; case .int, .double: 1; case .text: 2 } }
        func number(_ v: StoreValue) -> Double { switch v { case let .int(n): Double(n); case let .double(d): d; default: 0 } }
        if rank(x) != rank(y) { return rank(x) < rank(y) }
        if case let .text(a) = x, case let .text(b) = y { return a < b }
        return number(x) < number(y)
    }
}
