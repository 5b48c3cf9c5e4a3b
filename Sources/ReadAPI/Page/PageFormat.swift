import Foundation

/// How the page writes numbers, durations and times: the same for every reader (no locale), exact numbers in
/// `data-value` beside the words.
enum PageFormat {
    /// `12,345`: digits grouped by three.
    static func number(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    /// A number that may have a fraction: whole numbers as `number`, others with one or two decimals.
    static func decimal(_ x: Double) -> String {
        if x == x.rounded() && abs(x) < 9e15 { return number(Int(x)) }
        return String(format: abs(x) < 10 ? "%.2f" : "%.1f", x)
    }

    /// A span of seconds in the two largest units: `42 s`, `3 min`, `3 h 17 min`, `2 d 4 h`.
    static func duration(_ seconds: Int) -> String {
        let s = abs(seconds)
        let text: String
        switch s {
        case ..<60: text = "\(s) s"
        case ..<3600: text = "\(s / 60) min"
        case ..<86_400: text = s % 3600 / 60 == 0 ? "\(s / 3600) h" : "\(s / 3600) h \(s % 3600 / 60) min"
        default: text = s % 86_400 / 3600 == 0 ? "\(s / 86_400) d" : "\(s / 86_400) d \(s % 86_400 / 3600) h"
        }
        return seconds < 0 ? "-" + text : text
    }

    /// A lag in one coarse unit, so the page (and its ETag) changes when the lag does, not every second.
    static func lag(_ seconds: Int) -> String {
        switch seconds {
        case ..<60: "under 1 min"
        case ..<3600: "\(seconds / 60) min"
        case ..<172_800: "\(seconds / 3600) h"
        default: "\(seconds / 86_400) d"
        }
    }

    /// `2026-12-03 09:31 UTC`, and the ISO 8601 form for `<time datetime>`.
    static func time(_ seconds: Int) -> (text: String, iso: String) {
        let date = Date(timeIntervalSince1970: TimeInterval(seconds))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ n: Int?) -> String { String(format: "%02d", n ?? 0) }
        let day = "\(c.year ?? 1970)-\(two(c.month))-\(two(c.day))"
        return ("\(day) \(two(c.hour)):\(two(c.minute)) UTC", "\(day)T\(two(c.hour)):\(two(c.minute)):\(two(c.second))Z")
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Dec 3` from a bucket's local ISO 8601 start (`2025-12-03T00:00:00-08:00`).
    static func day(_ iso: String) -> String {
        let parts = iso.prefix(10).split(separator: "-")
        guard parts.count == 3, let month = Int(parts[1]), (1...12).contains(month), let day = Int(parts[2]) else { return String(iso.prefix(10)) }
        return "\(months[month - 1]) \(day)"
    }

    /// `2025-12-03` from a bucket's local ISO 8601 start.
    static func date(_ iso: String) -> String { String(iso.prefix(10)) }
}
