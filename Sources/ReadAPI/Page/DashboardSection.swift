import Foundation
import Hummingbird
import IntercomAPI
import MirrorStore
import NIOCore

/// The support dashboard: conversations by state, open conversations per admin and team, new and closed per day,
/// the median time to first response per week, and the admin scorecard. Every figure comes from the memoised answer
/// of a JSON route, and every number links to that route, so what the page shows is what a dashboard can fetch.
struct DashboardSection<Context: RequestContext> {
    let lists: ReadController<Context>
    let service: ServiceRoutes<Context>
    let window: PageWindow

    /// One JSON answer and the URL that serves it.
    struct Answer {
        var url: String
        var json: JSON
    }

    func render() async throws -> HTML {
        let w = window
        let conversations = RouteTable.list("/conversations")
        let summary = try Answer(url: "/counts", json: JSON.parse(try await service.summary().readableBytesView))
        let perAdmin = try await counts(conversations, [("state", "open"), ("group_by", "admin_assignee_id")])
        let perTeam = try await counts(conversations, [("state", "open"), ("group_by", "team_assignee_id")])
        let admins = try await names("/admins"), teams = try await names("/teams")
        let span = [("from", String(w.from)), ("to", String(w.to)), ("tz", w.zone)]
        let opened = try await aggregate(conversations, [("bucket", "created_at:day")] + span)
        let closed = try await aggregate(conversations, [("state", "closed"), ("bucket", "metrics.last_close_at:day")] + span)
        let weekly = try await aggregate(conversations, [("bucket", "created_at:week"), ("measures", "median:metrics.time_to_first_response,count"),
                                                         ("from", String(w.weeksFrom)), ("to", String(w.to)), ("tz", w.zone)])
        let tickets = RouteTable.list("/tickets")
        let ticketsPerState = try await counts(tickets, [("open", "true"), ("group_by", "ticket_state_id")])
        let ticketsPerTeam = try await counts(tickets, [("open", "true"), ("group_by", "team_assignee_id")])
        let states = try await names("/ticket_states", label: "internal_label")
        let scorecardItems = [("from", String(w.from)), ("to", String(w.to))]
        let scorecard = Answer(url: PageURL.route("/admins/metrics", scorecardItems),
                               json: try JSON.parse(try await lists.scorecardAnswer(.admins, scorecardItems).readableBytesView))

        return """
            <section id="dashboard" aria-labelledby="dashboard-heading">
            <h2 id="dashboard-heading">Support dashboard</h2>
            \(totals(summary))
            <div class="columns">
            \(openTable(perAdmin, column: "admin_assignee_id", names: admins, title: "Open conversations per admin", who: "Admin", metric: "admin-open"))
            \(openTable(perTeam, column: "team_assignee_id", names: teams, title: "Open conversations per team", who: "Team", metric: "team-open"))
            </div>
            \(ticketTotals(summary))
            <div class="columns">
            \(openTable(ticketsPerState, column: "ticket_state_id", names: states, title: "Open tickets per state", who: "State",
                        metric: "ticket-state-open", noun: "tickets", unassigned: "No state"))
            \(openTable(ticketsPerTeam, column: "team_assignee_id", names: teams, title: "Open tickets per team", who: "Team",
                        metric: "ticket-team-open", noun: "tickets"))
            </div>
            \(dailyChart(opened: opened, closed: closed))
            \(weeklyChart(weekly))
            \(scorecardTable(scorecard, names: admins))
            </section>

            """
    }

    // MARK: - Answers

    func counts(_ route: RouteTable.ListRoute, _ items: [(key: String, value: String)]) async throws -> Answer {
        Answer(url: PageURL.route(route.path + "/counts", items),
               json: try JSON.parse(try await lists.countsAnswer(route, items).readableBytesView))
    }

    func aggregate(_ route: RouteTable.ListRoute, _ items: [(key: String, value: String)]) async throws -> Answer {
        Answer(url: PageURL.route(route.path + "/aggregate", items),
               json: try JSON.parse(try await lists.aggregateAnswer(route, items).readableBytesView))
    }

    /// Names by id of admins, teams or ticket states (their `label` column): one page of 1,000 (the list's maximum); ids
    /// past it are shown as ids.
    func names(_ path: String, label: String = "name") async throws -> [String: String] {
        let page = try JSON.parse(try await lists.listAnswer(RouteTable.list(path), [("fields", "id,\(label)"), ("limit", "1000")]).readableBytesView)
        var names: [String: String] = [:]
        for row in page["data"]?.arrayValue ?? [] {
            if let id = row["id"]?.stringValue, let name = row[label]?.stringValue, !name.isEmpty { names[id] = name }
        }
        return names
    }

    // MARK: - Parts

    /// Contacts and conversations by state, from `/counts`.
    func totals(_ counts: Answer) -> HTML {
        let byState = counts.json["conversations"]?["by_state"]
        var cards: [HTML] = [
            PageLayout.card("Contacts", counts.json["contacts"]?["total"]?.intValue ?? 0, url: counts.url, metric: "contacts"),
            PageLayout.card("Conversations", counts.json["conversations"]?["total"]?.intValue ?? 0, url: counts.url, metric: "conversations"),
        ]
        for state in ["open", "snoozed", "closed"] {
            cards.append(PageLayout.card("\(state.prefix(1).uppercased())\(state.dropFirst())", byState?[state]?.intValue ?? 0, url: counts.url,
                                   metric: "conversations-\(state)"))
        }
        return """
            <h3>Conversations by state</h3>
            <ul class="cards">\(cards)</ul>

            """
    }

    /// Tickets in all and open, from `/counts`.
    func ticketTotals(_ counts: Answer) -> HTML {
        let tickets = counts.json["tickets"]
        var open = 0
        if case let .object(perState)? = counts.json["open_tickets_per_state"] { open = perState.reduce(0) { $0 + ($1.1.intValue ?? 0) } }
        let cards: [HTML] = [
            PageLayout.card("Tickets", tickets?["total"]?.intValue ?? 0, url: counts.url, metric: "tickets"),
            PageLayout.card("Open tickets", open, url: counts.url, metric: "tickets-open"),
        ] + ["Customer", "Back-office", "Tracker"].map { category in
            PageLayout.card(category, tickets?["by_category"]?[category]?.intValue ?? 0, url: counts.url, metric: "tickets-\(category.lowercased())")
        }
        return """
            <h3>Tickets</h3>
            <ul class="cards">\(cards)</ul>

            """
    }

    /// Open conversations or tickets per admin, team or state, largest first, unassigned last, with a bar for scale.
    func openTable(_ answer: Answer, column: String, names: [String: String], title: String, who: String, metric: String,
                   noun: String = "conversations", unassigned: String = "Unassigned") -> HTML {
        let rows = answer.json["data"]?.arrayValue ?? []
        let largest = rows.compactMap { $0["count"]?.intValue }.max() ?? 0
        let ordered = rows.filter { $0[column]?.stringValue != nil } + rows.filter { $0[column]?.stringValue == nil }
        let body: [HTML] = ordered.map { row in
            let count = row["count"]?.intValue ?? 0
            let id = row[column]?.stringValue
            let label: HTML = id.map { id in names[id].map { "\($0) <span class=\"id\">\(id)</span>" } ?? "<span class=\"id\">\(id)</span>" }
                ?? "<em>\(unassigned)</em>"
            let share = largest > 0 ? Double(count) / Double(largest) : 0
            return """
                <tr><th scope="row">\(label)</th><td class="n">\(PageLayout.number(count, url: answer.url, metric: metric, id: id ?? "unassigned"))</td>\
                <td class="bar-cell" aria-hidden="true"><meter min="0" max="100" value="\(Int((share * 100).rounded()))"></meter></td></tr>
                """
        }
        let empty: HTML = ordered.isEmpty ? "<tr><td colspan=\"3\">No open \(noun).</td></tr>" : .empty
        return """
            <div class="table-wrap"><table class="open">
            <caption>\(title) \(PageLayout.source(answer.url))</caption>
            <thead><tr><th scope="col">\(who)</th><th scope="col" class="n">Open</th><th scope="col" class="bar-cell"><span class="visually-hidden">Share of the largest</span></th></tr></thead>
            <tbody>\(body)\(empty)</tbody></table></div>

            """
    }

    /// New and closed conversations per day over the window, as columns, with the numbers in a table.
    func dailyChart(opened: Answer, closed: Answer) -> HTML {
        let days = (opened.json["data"]?.arrayValue ?? []).map { ($0["bucket"]?.stringValue ?? "", $0["count"]?.intValue ?? 0) }
        var closedByDay: [String: Int] = [:]
        for row in closed.json["data"]?.arrayValue ?? [] { closedByDay[row["bucket"]?.stringValue ?? ""] = row["count"]?.intValue ?? 0 }
        let newTotal = days.reduce(0) { $0 + $1.1 }, closedTotal = closedByDay.values.reduce(0, +)
        let w = window
        let span = "\(w.firstDay) to \(w.lastDay)"
        let chart = SVGChart(
            id: "chart-daily", title: "New and closed conversations per day, \(span)",
            description: "\(PageFormat.number(newTotal)) conversations were created and \(PageFormat.number(closedTotal)) closed "
                + "over \(w.days) days in \(w.zone); the table below lists every day.",
            categories: days.map { PageFormat.day($0.0) },
            series: [SVGChart.Series(name: "new", cssClass: "s-new", values: days.map { Double($0.1) }),
                     SVGChart.Series(name: "closed", cssClass: "s-closed", values: days.map { Double(closedByDay[$0.0] ?? 0) })],
            format: { PageFormat.decimal($0) })
        let rows: [HTML] = days.map { day, count in
            "<tr><th scope=\"row\">\(PageFormat.date(day))</th><td class=\"n\">\(PageLayout.number(count, url: opened.url, metric: "day-new"))</td><td class=\"n\">\(PageLayout.number(closedByDay[day] ?? 0, url: closed.url, metric: "day-closed"))</td></tr>"
        }
        return """
            <figure class="chart-figure">
            <figcaption><h3>New and closed conversations per day</h3>
            <p>\(windowText) <span class="key s-new">new</span> by the day they were created, <span class="key s-closed">closed</span> by the day of their last close (conversations closed now).</p>
            <p>\(PageLayout.source(opened.url)) \(PageLayout.source(closed.url))</p></figcaption>
            <div class="chart-scroll">\(chart.svg)</div>
            <details><summary>The numbers per day</summary><div class="table-wrap"><table>
            <caption>New and closed conversations per day, \(span)</caption>
            <thead><tr><th scope="col">Day</th><th scope="col" class="n">New</th><th scope="col" class="n">Closed</th></tr></thead>
            <tbody>\(rows)</tbody></table></div></details>
            </figure>

            """
    }

    /// Where the window ends and why, in words.
    var windowText: HTML {
        let w = window
        if w.endsToday { return "Last \(w.days) days, \(w.firstDay) to \(w.lastDay) (\(w.zone))." }
        return """
            The \(w.days) days to \(w.lastDay), the day of the newest conversation in the mirror (none is newer than \(w.days) days), \
            from \(w.firstDay) (\(w.zone)).
            """
    }

    /// The median time to first response of the conversations created each week.
    func weeklyChart(_ answer: Answer) -> HTML {
        let measure = "median:metrics.time_to_first_response"
        let weeks = (answer.json["data"]?.arrayValue ?? []).map { ($0["bucket"]?.stringValue ?? "", $0[measure]?.doubleValue, $0["count"]?.intValue ?? 0) }
        let values = weeks.compactMap(\.1)
        let description = values.isEmpty
            ? "No conversation created in these weeks has an admin reply yet."
            : "Weekly medians range from \(PageFormat.duration(Int(values.min()!))) to \(PageFormat.duration(Int(values.max()!))); the table below lists every week."
        let chart = SVGChart(
            id: "chart-weekly", title: "Median time to first response per week", description: description,
            categories: weeks.map { PageFormat.day($0.0) },
            series: [SVGChart.Series(name: "median to first response", cssClass: "s-median", values: weeks.map(\.1))],
            format: { PageFormat.duration(Int($0)) }, style: .line)
        let rows: [HTML] = weeks.map { week, median, count in
            let cell: HTML = median.map { m in
                "<a class=\"num\" href=\"\(answer.url)\" data-metric=\"week-median\" data-value=\"\(PageFormat.decimal(m))\">\(PageFormat.duration(Int(m)))</a>"
            } ?? "<span class=\"none\">no reply yet</span>"
            return "<tr><th scope=\"row\">\(PageFormat.date(week))</th><td class=\"n\">\(cell)</td><td class=\"n\">\(PageLayout.number(count, url: answer.url, metric: "week-count"))</td></tr>"
        }
        return """
            <figure class="chart-figure">
            <figcaption><h3>Median time to first response per week</h3>
            <p>Conversations by the week (from Monday) they were created, time from the customer's first message to the first admin reply; \
            calendar time, not office hours. \(PageLayout.source(answer.url))</p></figcaption>
            <div class="chart-scroll">\(chart.svg)</div>
            <details><summary>The numbers per week</summary><div class="table-wrap"><table>
            <caption>Median time to first response per week</caption>
            <thead><tr><th scope="col">Week of</th><th scope="col" class="n">Median</th><th scope="col" class="n">Conversations</th></tr></thead>
            <tbody>\(rows)</tbody></table></div></details>
            </figure>

            """
    }

    /// The admin scorecard over conversations created in the window.
    func scorecardTable(_ answer: Answer, names: [String: String]) -> HTML {
        let columns: [(key: String, title: String, duration: Bool)] = [
            ("conversations_assigned", "Assigned", false), ("open", "Open", false), ("snoozed", "Snoozed", false), ("closed", "Closed", false),
            ("median_time_to_first_response", "Median first response", true), ("p90_time_to_first_response", "P90 first response", true),
            ("median_time_to_last_close", "Median time to close", true), ("median_median_time_to_reply", "Median reply time", true),
            ("mean_rating", "Mean rating", false),
        ]
        let rows: [HTML] = (answer.json["data"]?.arrayValue ?? []).map { row in
            let id = row["id"]?.stringValue
            let label: HTML = id.map { id in names[id].map { "\($0) <span class=\"id\">\(id)</span>" } ?? "<span class=\"id\">\(id)</span>" }
                ?? "<em>Unassigned</em>"
            let cells: [HTML] = columns.map { column in
                guard let value = row[column.key]?.doubleValue else { return "<td class=\"n\"><span class=\"none\">–</span></td>" }
                let text = column.duration ? PageFormat.duration(Int(value)) : PageFormat.decimal(value)
                return "<td class=\"n\"><a class=\"num\" href=\"\(answer.url)\" data-metric=\"scorecard-\(column.key)\" data-value=\"\(PageFormat.decimal(value))\">\(text)</a></td>"
            }
            return "<tr><th scope=\"row\">\(label)</th>\(cells)</tr>"
        }
        let heads: [HTML] = columns.map { "<th scope=\"col\" class=\"n\">\($0.title)</th>" }
        return """
            <div class="table-wrap"><table class="scorecard">
            <caption>Admin scorecard: conversations created \(window.firstDay) to \(window.lastDay), by their current assignee \(PageLayout.source(answer.url))</caption>
            <thead><tr><th scope="col">Admin</th>\(heads)</tr></thead>
            <tbody>\(rows)</tbody></table></div>

            """
    }
}

extension RouteTable {
    /// The top-level list route at `path`; the page names only routes the table has.
    static func list(_ path: String) -> ListRoute {
        guard let route = lists.first(where: { $0.path == path }) else { preconditionFailure("no list route \(path)") }
        return route
    }
}
