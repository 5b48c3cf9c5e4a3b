import Foundation

/// Whose scorecard: conversations credited to an admin, a team, or a company (through the conversation's contacts).
public enum ScorecardSubject: String, CaseIterable, Sendable {
    case admins, teams, companies
}

/// One row of a scorecard: the subject's id (nil for unassigned conversations) and its figures in answer order.
public struct ScorecardRow: Sendable {
    public let id: String?
    public let figures: [(name: String, value: Double?)]
}

extension MirrorReader {
    /// The support scorecard of `subject` over conversations created in `from...to` (either bound optional), as
    /// `dbt_intercom` builds it from its warehouse tables: assigned conversations by state, those the admin closed last,
    /// and medians of the per-conversation metrics. Rows in id order, unassigned first.
    public func scorecard(_ subject: ScorecardSubject, from: Int?, to: Int?) async throws -> [ScorecardRow] {
        let conversations = Schema.quotedName(TableSpec.conversations.name)
        let metrics = Schema.quotedName(TableSpec.conversationMetrics.name)
        let rating = store.dialect.jsonNumber("c.\"conversation_rating\"", key: "rating")
        var sql = """
            SELECT DISTINCT c.id, %KEY%, c."state", \(rating.sql),
              m."time_to_first_response", m."time_to_last_close", m."median_time_to_reply", m."count_reopens",
              m."count_assignments", m."last_closed_by_admin_id"
            FROM \(conversations) c JOIN \(metrics) m ON m."conversation_id" = c.id
            """
        switch subject {
        case .admins: sql = sql.replacingOccurrences(of: "%KEY%", with: "c.\"admin_assignee_id\"")
        case .teams: sql = sql.replacingOccurrences(of: "%KEY%", with: "c.\"team_assignee_id\"")
        case .companies:
            sql = sql.replacingOccurrences(of: "%KEY%", with: "k.\"company_id\"") + """
                 JOIN "conversation_contacts" cc ON cc."conversation_id" = c.id
                 JOIN "contact_companies" k ON k."contact_id" = cc."contact_id"
                """
        }
        var conditions: [String] = [], arguments = rating.arguments
        if let from { conditions.append("c.\"created_at\" >= ?"); arguments.append(.int(Int64(from))) }
        if let to { conditions.append("c.\"created_at\" <= ?"); arguments.append(.int(Int64(to))) }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        let query = SQLFragment(sql, arguments)
        let rows = try await timed(budget: statusBudget) { db in try db.rows(query) }
        return Self.scorecardRows(subject, rows)
    }

    /// The figures per subject from rows of (conversation, key, state, rating, metrics…, last closer).
    static func scorecardRows(_ subject: ScorecardSubject, _ rows: [[StoreValue]]) -> [ScorecardRow] {
        var byKey: [StoreValue: [[StoreValue]]] = [:]
        var closedLast: [StoreValue: Int] = [:]
        for row in rows {
            byKey[row[1], default: []].append(row)
            if subject == .admins, !row[9].isNull {
                closedLast[row[9], default: 0] += 1
                if byKey[row[9]] == nil { byKey[row[9]] = [] }
            }
        }
        func measure(_ function: Measure.Function, _ rows: [[StoreValue]], _ column: Int) -> Double? {
            Aggregator.measureValue(function, rows.map { $0[column] })
        }
        return byKey.keys.sorted { Aggregator.order($0, $1) }.map { key in
            let rows = byKey[key]!
            func count(_ state: String) -> Double { Double(rows.filter { $0[2] == .text(state) }.count) }
            var figures: [(name: String, value: Double?)] = [
                ("conversations_assigned", Double(rows.count)), ("open", count("open")), ("snoozed", count("snoozed")),
                ("closed", count("closed")),
            ]
            if subject == .admins { figures.append(("conversations_last_closed", Double(closedLast[key] ?? 0))) }
            figures += [
                ("median_time_to_first_response", measure(.median, rows, 4)),
                ("p90_time_to_first_response", measure(.p90, rows, 4)),
                ("median_time_to_last_close", measure(.median, rows, 5)),
                ("median_median_time_to_reply", measure(.median, rows, 6)),
                ("median_reopens", measure(.median, rows, 7)),
                ("median_assignments", measure(.median, rows, 8)),
                ("mean_rating", measure(.avg, rows, 3)),
            ]
            return ScorecardRow(id: key.string, figures: figures)
        }
    }
}
