import Foundation
import Hummingbird
import IntercomAPI
import MirrorStore

/// The dashboard's time window: whole days in the workspace's time zone, ending today, or on the day of the newest
/// conversation when the mirror holds none from the last `days` days (an old export, a quiet workspace), so the charts
/// show the mirror's latest activity rather than empty days; the page says which.
struct PageWindow: Sendable, Hashable {
    var days: Int
    var zone: String
    /// The first second of the first day and the last second of the last day, local midnights in `zone`.
    var from: Int
    var to: Int
    /// Whether the window ends today (false: at the newest conversation).
    var endsToday: Bool
    /// The first and last day, `YYYY-MM-DD`.
    var firstDay: String
    var lastDay: String

    /// The windows the form offers, in days; any whole number from 1 to 366 is accepted in the URL.
    static var choices: [Int] { [7, 30, 90, 365] }
    static var defaultDays: Int { 30 }

    /// The part of a cache key that fixes the dashboard's answers.
    var key: String { "\(days)|\(zone)|\(from)|\(to)" }

    /// The median time to first response is drawn per week over at least twelve weeks ending with the window.
    var weeksFrom: Int { days >= 84 ? from : to + 1 - 84 * 86_400 }

    static func make<Context>(days: Int, now: Int, zone: String, lists: ReadController<Context>, cache: GenerationCache,
                              reader: MirrorReader) async throws -> PageWindow {
        // Kept in the page's own cache: the list cache may be full of other answers, and this one then ran per request.
        let newestPage = try await cache.answer("newest-conversation", reader: reader) {
            try await lists.listAnswer(RouteTable.list("/conversations"), [("sort", "-created_at"), ("limit", "1"), ("fields", "created_at")])
        }
        let newest = try JSON.parse(newestPage.readableBytesView)["data"]?.arrayValue?.first?["created_at"]?.intValue
        return make(days: days, now: now, zone: zone, newest: newest)
    }

    /// The window of `days` days in `zone` ending today, or on the day of `newest` when that is older than the window.
    static func make(days: Int, now: Int, zone zoneName: String, newest: Int?) -> PageWindow {
        let zone = TimeZone(identifier: zoneName) ?? TimeZone(identifier: "UTC")!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let nowDay = calendar.startOfDay(for: Date(timeIntervalSince1970: TimeInterval(now)))
        var lastDay = nowDay
        var endsToday = true
        if let newest, newest < now {
            let newestDay = calendar.startOfDay(for: Date(timeIntervalSince1970: TimeInterval(newest)))
            if let start = calendar.date(byAdding: .day, value: -(days - 1), to: nowDay), newestDay < start {
                lastDay = newestDay
                endsToday = false
            }
        }
        let first = calendar.date(byAdding: .day, value: -(days - 1), to: lastDay) ?? lastDay
        let next = calendar.date(byAdding: .day, value: 1, to: lastDay) ?? lastDay
        let formatter = DateFormatter()
        formatter.calendar = calendar
        formatter.timeZone = zone
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd"
        return PageWindow(days: days, zone: zoneName, from: Int(first.timeIntervalSince1970), to: Int(next.timeIntervalSince1970) - 1,
                          endsToday: endsToday, firstDay: formatter.string(from: first), lastDay: formatter.string(from: lastDay))
    }
}
