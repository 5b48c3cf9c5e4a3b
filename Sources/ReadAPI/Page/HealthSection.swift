import IntercomAPI
import MirrorStore

/// The mirror's health, from the `/sync` answer: per resource its status with Intercom's reason, lag, last success,
/// rows against Intercom's totals and truncations; webhooks; credentials; the next scheduled pass. A problem is said
/// in words and marked with a symbol as well as a colour.
struct HealthSection {
    let status: JSON
    let schedule: SyncHealth.Schedule?

    /// A resource entry that needs someone's attention, and why, in words.
    static func problem(_ entry: JSON) -> String? {
        let name = entry["resource"]?.stringValue ?? "?"
        switch entry["status"]?.stringValue {
        case "unavailable":
            let reason = entry["reason"]
            let code = [reason?["http_status"]?.intValue.map(String.init), reason?["code"]?.stringValue].compactMap { $0 }.joined(separator: " ")
            return "\(name) is unavailable to this token (\(code.isEmpty ? "refused" : code): \(reason?["message"]?.stringValue ?? "no message"))"
        case "failed":
            return "\(name) failed: \(entry["reason"]?["message"]?.stringValue ?? entry["last_error"]?.stringValue ?? "no message")"
        default: break
        }
        if entry["stale"] == .bool(true) { return "\(name) is stale: its last pass did not finish" }
        if entry["mismatch"] == .bool(true) {
            return "\(name): \(entry["rows"]?.intValue ?? 0) rows against Intercom's \(entry["intercom_total"]?.intValue ?? 0)"
        }
        let refused = (entry["sub_resources"]?.arrayValue ?? []).filter { $0["status"]?.stringValue == "unavailable" }
            .compactMap { $0["scope"]?.stringValue }
        if !refused.isEmpty { return "\(name): \(refused.joined(separator: ", ")) unavailable to this token" }
        return nil
    }

    func render() -> HTML {
        let entries = status["data"]?.arrayValue ?? []
        var problems = entries.compactMap(Self.problem)
        if status["intercom"]?["credentials"]?.stringValue == "rejected" {
            problems.insert("Intercom rejected the access token: \(status["intercom"]?["message"]?.stringValue ?? "401"); the sync writes nothing", at: 0)
        }
        let banner: HTML = problems.isEmpty
            ? "<p class=\"banner good\" role=\"status\"><span aria-hidden=\"true\">✓</span> All \(entries.count) resources are in sync.</p>"
            : """
              <div class="banner bad" role="status"><p><span aria-hidden="true">⚠</span> <strong>\(problems.count == 1 ? "1 problem" : "\(problems.count) problems")</strong></p>\
              <ul>\(problems.map { "<li>\($0)</li>" as HTML })</ul></div>
              """
        return """
            <section id="health" aria-labelledby="health-heading">
            <h2 id="health-heading">Mirror health</h2>
            \(banner)
            <div class="table-wrap"><table class="health">
            <caption>Per resource \(PageLayout.source("/sync"))</caption>
            <thead><tr><th scope="col">Resource</th><th scope="col">Status</th><th scope="col" class="n">Lag</th><th scope="col">Last success</th>\
            <th scope="col" class="n">Rows</th><th scope="col" class="n">Intercom total</th><th scope="col" class="n">Truncated conversations</th>\
            <th scope="col">Notes</th></tr></thead>
            <tbody>\(entries.map(row))</tbody></table></div>
            \(details)
            </section>

            """
    }

    /// One resource's row.
    func row(_ entry: JSON) -> HTML {
        let resource = entry["resource"]?.stringValue ?? "?"
        let state = entry["status"]?.stringValue ?? "never"
        let problem = Self.problem(entry)
        let badge: HTML = switch state {
        case "ok": problem == nil ? "<span class=\"badge ok\">✓ ok</span>" : "<span class=\"badge warn\">⚠ ok</span>"
        case "unavailable": "<span class=\"badge warn\">⚠ unavailable</span>"
        case "failed": "<span class=\"badge bad\">✗ failed</span>"
        default: "<span class=\"badge none\">– \(state)</span>"
        }
        func number(_ key: String) -> HTML {
            guard let value = entry[key]?.intValue else { return "<span class=\"none\">–</span>" }
            return "<a class=\"num\" href=\"/sync\" data-metric=\"sync-\(key)\" data-id=\"\(resource)\" data-value=\"\(value)\">\(PageFormat.number(value))</a>"
        }
        let lag: HTML = entry["lag_seconds"]?.intValue.map {
            "<a class=\"num\" href=\"/sync\" data-metric=\"sync-lag\" data-id=\"\(resource)\">\(PageFormat.lag($0))</a>"
        } ?? "<span class=\"none\">–</span>"
        let success: HTML = entry["last_success_at"]?.intValue.map(Self.time) ?? "<span class=\"none\">never</span>"
        var notes: [HTML] = []
        if let problem { notes.append("\(problem)") }
        if state == "unavailable", let endpoint = entry["reason"]?["endpoint"]?.stringValue { notes.append("endpoint <code>\(endpoint)</code>") }
        if let drift = entry["drift"]?["values"]?.intValue, drift > 0 { notes.append("\(PageFormat.number(drift)) values differed from Intercom's on re-read") }
        if let truncated = entry["truncated"]?.intValue, truncated > 0 {
            notes.append("Intercom returns at most 500 parts per \(resource == "tickets" ? "ticket" : "conversation")")
        }
        return """
            <tr class="\(problem == nil ? "row-ok" : "row-problem")"><th scope="row">\(resource)</th><td>\(badge)</td><td class="n">\(lag)</td>\
            <td>\(success)</td><td class="n">\(number("rows"))</td><td class="n">\(number("intercom_total"))</td>\
            <td class="n">\(number("truncated"))</td><td>\(HTML(joining: notes, separator: "; "))</td></tr>
            """
    }

    /// Webhooks, Intercom's credentials and the schedule.
    var details: HTML {
        let hooks = status["webhooks"]
        let webhooks: HTML
        if hooks?["enabled"] == .bool(true) {
            func count(_ key: String) -> HTML {
                let value = hooks?[key]?.intValue ?? 0
                return "<a class=\"num\" href=\"/sync\" data-metric=\"webhooks-\(key)\" data-value=\"\(value)\">\(PageFormat.number(value))</a>"
            }
            let last: HTML = hooks?["last_received_at"]?.intValue.map { "; last received \(Self.time($0))" } ?? "; none received yet"
            let failing = (hooks?["failed"]?.intValue ?? 0) > 0 || (hooks?["rejected"]?.intValue ?? 0) > 0
            webhooks = """
                <span class="badge \(failing ? "warn" : "ok")">\(failing ? "⚠ on" : "✓ on")</span> \(count("received")) received, \(count("applied")) applied, \
                \(count("rejected")) rejected, \(count("duplicates")) duplicates, \(count("failed")) failed, \(count("pending")) pending\(last)
                """
        } else {
            webhooks = "<span class=\"badge none\">– off</span> no client secret is set, so changes arrive with the next pass"
        }
        let intercom = status["intercom"]
        let credentials: HTML = switch intercom?["credentials"]?.stringValue {
        case "ok":
            "<span class=\"badge ok\">✓ accepted</span> \(intercom?["workspace"]?["name"]?.stringValue ?? "") (\(intercom?["workspace"]?["app_id"]?.stringValue ?? ""), region \(intercom?["workspace"]?["region"]?.stringValue ?? "?")) at <code>\(intercom?["host"]?.stringValue ?? "")</code>"
        case "rejected":
            "<span class=\"badge bad\">✗ rejected</span> \(intercom?["message"]?.stringValue ?? "") at <code>\(intercom?["host"]?.stringValue ?? "")</code>"
        case nil: "<span class=\"badge none\">– no sync in this process</span>"
        default: "<span class=\"badge none\">– not checked yet</span>"
        }
        return """
            <dl class="facts">
            <dt>Webhooks</dt><dd>\(webhooks)</dd>
            <dt>Intercom token</dt><dd>\(credentials)</dd>
            <dt>Next pass</dt><dd>\(scheduleText)</dd>
            </dl>

            """
    }

    var scheduleText: HTML {
        guard let s = schedule else { return "<span class=\"none\">no scheduler in this process (a one-off sync or a read-only serve)</span>" }
        var parts: [HTML] = []
        if let since = s.runningSince {
            parts.append("\(s.full ? "a full sweep" : "an incremental pass") is running since \(Self.time(since))")
        } else if let next = s.nextPassAt {
            parts.append("\(s.full ? "a full sweep" : "an incremental pass") at \(Self.time(next))")
        }
        if let full = s.nextFullSweepAt, !(s.runningSince == nil && s.full) { parts.append("next full sweep at \(Self.time(full))") }
        parts.append("every \(PageFormat.duration(s.interval)), full sweeps every \(PageFormat.duration(s.fullInterval))")
        return HTML(joining: parts, separator: "; ")
    }

    /// A time as `<time>`, which the page's script may rewrite in the reader's zone.
    static func time(_ seconds: Int) -> HTML {
        let t = PageFormat.time(seconds)
        return "<time datetime=\"\(t.iso)\">\(t.text)</time>"
    }
}
