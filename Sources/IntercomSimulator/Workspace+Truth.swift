import IntercomAPI
extension Workspace {
    /// `GET /conversations/{id}` returns at most the 500 most recent parts; `total_count` tells the real number.
    public static let partCap = 500

    /// Ground truth a mirror must match: counts computed straight from the simulator's state.
    public func groundTruth() -> JSON {
        let partTotal = read { s in s.visibleConversations.reduce(0) { $0 + $1.partCount } }
        return read { s in
            var byRole: [String: Int] = [:], perTag: [String: Int] = [:], perSegment: [String: Int] = [:]
            var perCompany: [String: Int] = [:]
            var active = 0, notes = 0, eventSummaries = 0
            for c in s.visibleContacts {
                active += 1
                if c.role == "user" { eventSummaries += c.eventSummaries.count }
                byRole[c.role, default: 0] += 1
                notes += c.noteIds.count
                for t in c.tagIds { perTag[t, default: 0] += 1 }
                for g in c.segmentIds { perSegment[g, default: 0] += 1 }
                for co in c.companyIds { perCompany[co, default: 0] += 1 }
            }
            var byState: [String: Int] = [:], perAdmin: [String: [String: Int]] = [:], perTeamOpen: [String: Int] = [:]
            var conversations = 0
            for c in s.visibleConversations {
                conversations += 1
                byState[c.state, default: 0] += 1
                let admin = c.adminAssigneeId ?? "unassigned"
                perAdmin[admin, default: [:]][c.state, default: 0] += 1
                if c.state == "open" { perTeamOpen[c.teamAssigneeId ?? "unassigned", default: 0] += 1 }
            }
            var companies = 0, companiesWithUsers = 0
            var companiesPerTag: [String: Int] = [:], companiesPerSegment: [String: Int] = [:]
            for co in s.visibleCompanies {
                companies += 1
                if (perCompany[co.id] ?? 0) > 0 { companiesWithUsers += 1 }
                for t in co.tagIds { companiesPerTag[t, default: 0] += 1 }
                for g in co.segmentIds { companiesPerSegment[g, default: 0] += 1 }
            }
            func counts(_ d: [String: Int]) -> JSON { .object(d.keys.sorted().map { ($0, .int(d[$0]!)) }) }
            var truth: [(String, JSON)] = []
            truth += [("contacts", .object([("total", .int(active)), ("user", .int(byRole["user"] ?? 0)), ("lead", .int(byRole["lead"] ?? 0))]))]
            truth += [("companies", .object([("total", .int(companies)), ("with_users", .int(companiesWithUsers))]))]
            truth += [("conversations", .object([("total", .int(conversations)), ("by_state", counts(byState))]))]
            truth += [("conversation_parts", .int(partTotal))]
            truth += [("truncated_conversations", .int(s.visibleConversations.filter { $0.partCount > Workspace.partCap }.count))]
            truth += [("deleted_conversations", .int(s.conversations.filter { $0.deletedAt != nil }.count))]
            truth += [("admins", .int(s.admins.count)), ("teams", .int(s.teams.count)), ("tags", .int(s.tags.count))]
            truth += [("segments", .int(s.segments.count)), ("notes", .int(notes)), ("articles", .int(s.articles.count))]
            truth += [("data_attributes", .object([("contact", .int(s.dataAttributes.filter { $0.model == "contact" }.count)), ("company", .int(s.dataAttributes.filter { $0.model == "company" }.count))]))]
            truth += [("conversations_per_admin", .object(perAdmin.keys.sorted().map { ($0, counts(perAdmin[$0]!)) }))]
            truth += [("open_conversations_per_team", counts(perTeamOpen))]
            truth += [("contacts_per_tag", counts(perTag)), ("contacts_per_segment", counts(perSegment))]
            truth += [("contacts_per_company", counts(perCompany))]
            truth += [("companies_per_tag", counts(companiesPerTag)), ("companies_per_segment", counts(companiesPerSegment))]
            truth += [("event_summaries", .int(eventSummaries))]
            truth += [("admin_scorecards", Self.adminScorecards(s))]
            truth += [("tickets", Self.ticketTruth(s))]
            truth += [("version", .int(s.version))]
            return .object(truth)
        }
    }

    /// Tickets: how many, by category and state category, open per state and team (unassigned spelled so), their
    /// parts (all of them, and what the 500 cap lets a client fetch), links, types and states.
    static func ticketTruth(_ s: WorkspaceState) -> JSON {
        var byCategory: [String: Int] = [:], byState: [String: Int] = [:], openPerState: [String: Int] = [:]
        var openPerTeam: [String: Int] = [:], openPerAdmin: [String: Int] = [:]
        var total = 0, parts = 0, fetchable = 0, truncated = 0, links = 0
        for t in s.visibleTickets {
            total += 1
            byCategory[s.ticketType(t.typeId)?.category ?? "?", default: 0] += 1
            let category = s.stateCategory(of: t)
            byState[category, default: 0] += 1
            if category != "resolved" {
                openPerState[t.stateId, default: 0] += 1
                openPerTeam[t.teamAssigneeId ?? "unassigned", default: 0] += 1
                openPerAdmin[t.adminAssigneeId ?? "unassigned", default: 0] += 1
            }
            parts += t.parts.count
            fetchable += min(t.parts.count, partCap)
            if t.parts.count > partCap { truncated += 1 }
            links += t.links.count
        }
        func counts(_ d: [String: Int]) -> JSON { .object(d.keys.sorted().map { ($0, .int(d[$0]!)) }) }
        return .object([
            ("total", .int(total)), ("by_category", counts(byCategory)), ("by_state_category", counts(byState)),
            ("open_per_state", counts(openPerState)), ("open_per_team", counts(openPerTeam)), ("open_per_admin", counts(openPerAdmin)),
            ("parts", .int(parts)), ("fetchable_parts", .int(fetchable)), ("truncated", .int(truncated)), ("links", .int(links)),
            ("deleted", .int(s.tickets.filter { $0.deletedAt != nil }.count)),
            ("types", .int(s.ticketTypes.count)),
            ("type_attributes", .int(s.ticketTypes.reduce(0) { $0 + $1.attributes.count })),
            ("states", .int(s.ticketStates.count)),
        ])
    }

    /// Per assigned admin, from the simulator's own parts: how many conversations, and the lower-middle median of the
    /// time from a conversation's creation to its first admin reply (a comment or an assignment with a message, by an
    /// admin, with a body) and from its first contact message to its last close.
    static func adminScorecards(_ s: WorkspaceState) -> JSON {
        var firstResponse: [String: [Int]] = [:], lastClose: [String: [Int]] = [:], conversations: [String: Int] = [:]
        for c in s.visibleConversations {
            guard let admin = c.adminAssigneeId else { continue }
            conversations[admin, default: 0] += 1
            let parts = s.parts(of: c).sorted { ($0.createdAt, UInt64($0.id) ?? 0) < ($1.createdAt, UInt64($1.id) ?? 0) }
            let reply = parts.first { p in
                p.authorType == "admin" && (p.partType == "comment" || p.partType.contains("assignment")) && !(p.body ?? "").isEmpty
            }
            if let reply { firstResponse[admin, default: []].append(reply.createdAt - c.createdAt) }
            let opened = c.seededOutcome.contactOpened ? c.createdAt
                : parts.first { $0.partType == "comment" && ($0.authorType == "user" || $0.authorType == "lead") }?.createdAt
            if let opened, let close = parts.last(where: { $0.partType == "close" }) {
                lastClose[admin, default: []].append(close.createdAt - opened)
            }
        }
        func median(_ values: [Int]?) -> JSON {
            guard let values, !values.isEmpty else { return .null }
            return .int(values.sorted()[(values.count - 1) / 2])
        }
        return .object(conversations.keys.sorted().map { admin in
            (admin, .object([
                ("conversations", .int(conversations[admin]!)),
                ("median_time_to_first_response", median(firstResponse[admin])),
                ("median_time_to_last_close", median(lastClose[admin])),
            ]))
        })
    }
}
