import Foundation
import GRDB
import HTTPTypes
import IntercomAPI
import MirrorStore
import ReadAPI
import TestSupport
import Testing

/// `/{list}/aggregate` and the conversation metrics fields against reference computations made here from the mirror's
/// rows, with Foundation's formatters and ISO calendar rather than the code under test.
@Suite struct AggregateTests {
    /// Each timestamp's local day (`yyyy-MM-dd`) in `zone`, or the Monday of its ISO week.
    static func referenceBuckets(_ stamps: [Int], zone: String, week: Bool) -> [String: Int] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: zone)!
        formatter.dateFormat = "yyyy-MM-dd"
        var iso = Calendar(identifier: .iso8601)
        iso.timeZone = TimeZone(identifier: zone)!
        var counts: [String: Int] = [:]
        for stamp in stamps {
            var date = Date(timeIntervalSince1970: TimeInterval(stamp))
            if week {
                let parts = iso.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
                date = iso.date(from: DateComponents(weekday: 2, weekOfYear: parts.weekOfYear, yearForWeekOfYear: parts.yearForWeekOfYear))!
            }
            counts[formatter.string(from: date), default: 0] += 1
        }
        return counts
    }

    static func served(_ body: JSON) -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in body["data"]?.arrayValue ?? [] {
            guard let bucket = row["bucket"]?.stringValue else { continue }
            counts[String(bucket.prefix(10)), default: 0] += row["count"]?.intValue ?? 0
        }
        return counts
    }

    @Test(arguments: ["UTC", "America/Los_Angeles", "Australia/Sydney"], TestEngine.all)
    func dailyAndWeeklyBucketsFollowTheZonesCalendar(zone: String, engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        let stamps = try await mirror.column("SELECT created_at FROM conversations").compactMap(\.integer)
        try await mirror.withAPI { client in
            for (unit, week) in [("day", false), ("week", true)] {
                let (status, body, _) = try await client.getJSON("/conversations/aggregate?bucket=created_at:\(unit)&tz=\(zone)")
                #expect(status == .ok, "\(body.text)")
                #expect(Self.served(body) == Self.referenceBuckets(stamps, zone: zone, week: week), "\(zone) \(unit)")
                #expect(body["bucket"]?["tz"]?.stringValue == zone)
                // Every bucket starts at local midnight.
                for row in body["data"]?.arrayValue ?? [] {
                    #expect(row["bucket"]?.stringValue?.dropFirst(10).hasPrefix("T00:00:00") == true, "\(row.text)")
                }
            }
        }
    }

    /// Local days around each zone's 2025 DST changes: 23 and 25 hours long, every day listed, empty ones as 0.
    @Test(arguments: [("America/Los_Angeles", "2025-03-09", "2025-11-02"), ("Australia/Sydney", "2025-10-05", "2025-04-06")], TestEngine.all)
    func bucketsAcrossDSTChangesHaveTheirLocalLengthAndEmptyDaysAreZero(change: (String, String, String),
                                                                       engine: TestEngine) async throws {
        let (zone, shorter, longer) = change
        let mirror = try await sharedMirror(engine)
        let stamps = try await mirror.column("SELECT created_at FROM conversations").compactMap(\.integer)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: zone)!
        formatter.dateFormat = "yyyy-MM-dd"
        try await mirror.withAPI { client in
            for (day, hours) in [(shorter, 23), (longer, 25)] {
                let start = Int(formatter.date(from: day)!.timeIntervalSince1970) - 3 * 86_400
                let end = start + 7 * 86_400
                let (status, body, _) = try await client.getJSON(
                    "/conversations/aggregate?bucket=created_at:day&tz=\(zone)&from=\(start)&to=\(end)&measures=count,median:metrics.count_parts")
                #expect(status == .ok, "\(body.text)")
                let rows = body["data"]?.arrayValue ?? []
                let days = rows.compactMap { $0["bucket"]?.stringValue.map { String($0.prefix(10)) } }
                // The local dates the range touches, hour by hour (a week of 86,400-second steps drifts across the change).
                var expected: [String] = []
                for hour in stride(from: start, through: end, by: 3600) {
                    let date = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(hour)))
                    if expected.last != date { expected.append(date) }
                }
                #expect(days == expected, "\(zone) around \(day)")
                let startsOf = Dictionary(uniqueKeysWithValues: rows.compactMap { row in
                    row["bucket"]?.stringValue.map { (String($0.prefix(10)), row["bucket_start"]?.intValue ?? 0) }
                })
                let next = formatter.string(from: formatter.date(from: day)!.addingTimeInterval(30 * 3600))
                #expect((startsOf[next] ?? 0) - (startsOf[day] ?? 0) == hours * 3600, "\(zone) \(day) is \(hours) hours long")
                // Counts equal the reference for the days in range, zero included; an empty day's median is null.
                let reference = Self.referenceBuckets(stamps.filter { $0 >= start && $0 <= end }, zone: zone, week: false)
                for row in rows {
                    let key = String(row["bucket"]?.stringValue?.prefix(10) ?? "")
                    #expect(row["count"]?.intValue == reference[key] ?? 0, "\(key)")
                    if row["count"]?.intValue == 0 { #expect(row["median:metrics.count_parts"] == .null) }
                }
            }
        }
    }

    @Test(arguments: TestEngine.all)
    func measuresPerAdminEqualAReferenceComputation(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        let rows = try await mirror.rows("""
            SELECT c.admin_assignee_id AS admin, m.time_to_first_response AS t FROM conversations c
            JOIN conversation_metrics m ON m.conversation_id = c.id
            """).map { ($0[0].string, $0[1].integer) }
        var byAdmin: [String: [Int]] = [:], counts: [String: Int] = [:]
        for (admin, time) in rows {
            counts[admin ?? "null", default: 0] += 1
            if let time { byAdmin[admin ?? "null", default: []].append(time) }
        }
        let (times, totals) = (byAdmin, counts)
        try await mirror.withAPI { client in
            let (status, body, _) = try await client.getJSON(
                "/conversations/aggregate?group_by=admin_assignee_id&measures=count,median:metrics.time_to_first_response,p90:metrics.time_to_first_response,max:metrics.time_to_first_response")
            #expect(status == .ok, "\(body.text)")
            let served = body["data"]?.arrayValue ?? []
            #expect(served.count == totals.count)
            for row in served {
                let admin = row["admin_assignee_id"]?.stringValue ?? "null"
                let times = (times[admin] ?? []).sorted()
                #expect(row["count"]?.intValue == totals[admin])
                let median = times.isEmpty ? nil : times[(times.count - 1) / 2]
                let p90 = times.isEmpty ? nil : times[Int((0.9 * Double(times.count)).rounded(.up)) - 1]
                #expect(row["median:metrics.time_to_first_response"]?.intValue == median, "\(admin)")
                #expect(row["p90:metrics.time_to_first_response"]?.intValue == p90, "\(admin)")
                #expect(row["max:metrics.time_to_first_response"]?.intValue == times.last, "\(admin)")
            }
        }
    }

    @Test(arguments: TestEngine.all)
    func metricsAreARouteAndFilterAndSortConversations(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        let first = try #require(try await mirror.string("SELECT id FROM conversations ORDER BY id LIMIT 1"))
        let slow = Set(try await mirror.strings("SELECT conversation_id FROM conversation_metrics WHERE time_to_first_response > 3600"))
        let total = try #require(try await mirror.int("SELECT COUNT(*) FROM conversations"))
        try await mirror.withAPI { client in
            let (status, metrics, _) = try await client.getJSON("/conversations/\(first)/metrics")
            #expect(status == .ok)
            #expect(metrics["conversation_id"]?.stringValue == first)
            #expect(metrics["count_parts"]?.intValue != nil)
            #expect(try await client.getJSON("/conversations/nope/metrics").status == .notFound)
            let filtered = try await client.walk("/conversations?metrics.time_to_first_response__gt=3600&fields=id")
            #expect(Set(ids(filtered)) == slow)
            #expect(!slow.isEmpty)
            // Sorted by a metric, paged by cursor: every conversation once, reopens never increasing.
            let sorted = try await client.walk("/conversations?sort=-metrics.count_reopens&fields=id", limit: 37)
            #expect(sorted.count == total && Set(ids(sorted)).count == total)
            let reopens = Dictionary(uniqueKeysWithValues: try await mirror.rows("SELECT conversation_id, count_reopens FROM conversation_metrics")
                .map { ($0[0].string ?? "", $0[1].integer ?? -1) })
            let sequence = ids(sorted).map { reopens[$0] ?? -1 }
            #expect(sequence == sequence.sorted(by: >))
            let csv = try await client.getText("/conversations?metrics.count_reopens__gte=1&fields=id&format=csv").text
            #expect(csv.split(separator: "\r\n").count - 1 == reopens.values.filter { $0 >= 1 }.count)
        }
    }

    @Test(arguments: TestEngine.all)
    func badAggregatesAreClearErrors(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        try await mirror.withAPI { client in
            for (query, code) in [("measures=bogus", "unknown_measure"), ("measures=median:title", "bad_measure"),
                                  ("bucket=title:day", "unknown_field"), ("bucket=created_at:fortnight", "bad_bucket"),
                                  ("bucket=created_at:day&tz=Mars/Olympus", "unknown_timezone"), ("from=1&to=2", "missing_bucket"),
                                  ("sort=-metrics.nope", "unknown_field"), ("metrics.nope=1", "unknown_filter"),
                                  ("bucket=created_at:hour&from=-99999999999&to=99999999999", "bad_number"),
                                  ("bucket=created_at:day&from=2026-01-02&to=2026-01-01", "bad_value")] {
                let (status, body, _) = try await client.getJSON("/conversations/aggregate?\(query)")
                #expect(status == .badRequest, "\(query)")
                #expect(errorCode(body) == code, "\(query): \(body.text)")
            }
        }
    }

    @Test(arguments: TestEngine.all)
    func scorecardsEqualAReferenceComputation(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        let rows = try await mirror.rows("""
            SELECT c.admin_assignee_id, c.state, m.time_to_first_response, m.last_closed_by_admin_id, m.count_reopens
            FROM conversations c JOIN conversation_metrics m ON m.conversation_id = c.id
            """).map { ($0[0].string, $0[1].string, $0[2].integer, $0[3].string, $0[4].integer) }
        let companies = try await mirror.rows("""
            SELECT k.company_id, COUNT(DISTINCT cc.conversation_id) FROM conversation_contacts cc
            JOIN contact_companies k ON k.contact_id = cc.contact_id GROUP BY 1
            """).map { ($0[0].string ?? "", $0[1].integer ?? -1) }
        @Sendable func lowerMedian(_ values: [Int]) -> Int? { values.isEmpty ? nil : values.sorted()[(values.count - 1) / 2] }
        try await mirror.withAPI { client in
            let (status, body, _) = try await client.getJSON("/admins/metrics")
            #expect(status == .ok, "\(body.text)")
            let served = body["data"]?.arrayValue ?? []
            let admins = Set(rows.compactMap(\.0)).union(rows.compactMap(\.3))
            #expect(Set(served.compactMap { $0["id"]?.stringValue }) == admins)
            for row in served {
                let id = row["id"]?.stringValue
                let mine = rows.filter { $0.0 == id }
                #expect(row["conversations_assigned"]?.intValue == mine.count, "\(id ?? "unassigned")")
                #expect(row["open"]?.intValue == mine.filter { $0.1 == "open" }.count)
                #expect(row["median_time_to_first_response"]?.intValue == lowerMedian(mine.compactMap(\.2)), "\(id ?? "unassigned")")
                #expect(row["median_reopens"]?.intValue == lowerMedian(mine.compactMap(\.4)))
                if let id { #expect(row["conversations_last_closed"]?.intValue == rows.filter { $0.3 == id }.count) }
            }
            let (_, teams, _) = try await client.getJSON("/teams/metrics")
            #expect((teams["data"]?.arrayValue ?? []).reduce(0) { $0 + ($1["conversations_assigned"]?.intValue ?? 0) } == rows.count)
            let (_, perCompany, _) = try await client.getJSON("/companies/metrics")
            let servedCompanies = Dictionary(uniqueKeysWithValues: (perCompany["data"]?.arrayValue ?? []).map {
                ($0["id"]?.stringValue ?? "", $0["conversations_assigned"]?.intValue ?? -1)
            })
            #expect(servedCompanies == Dictionary(uniqueKeysWithValues: companies))
            // A window of creation times narrows every scorecard; a bad bound is a 400.
            let (_, empty, _) = try await client.getJSON("/admins/metrics?from=0&to=1")
            #expect(empty["data"]?.arrayValue?.isEmpty == true)
            #expect(try await client.getJSON("/admins/metrics?since=1").status == .badRequest)
            #expect(try await client.getJSON("/admins/metrics?from=tomorrow").status == .badRequest)
        }
    }
}
