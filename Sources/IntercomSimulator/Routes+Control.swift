import IntercomAPI
import Foundation
import Hummingbird
import Synchronization

/// The simulator's own surface under `/_simulator/`: mutate the workspace, read ground truth and counters.
/// Every mutation advances `updated_at` to the simulator clock, as a change in Intercom would.
struct ControlRoutes<Context: RequestContext> {
    let workspace: Workspace

    func register(on router: Router<Context>) {
        let group = router.group("/_simulator")
        group.get("/truth") { _, _ in Response.json(workspace.groundTruth()) }
        group.get("/counters") { _, _ in
            let c = workspace.counters
            return Response.json(.object([
                ("calls", .int(c.calls)), ("rate_limited", .int(c.rateLimited)), ("faults", .int(c.faults)),
                ("scroll_conflicts", .int(c.scrollConflicts)), ("unauthorized", .int(c.unauthorized)),
                ("max_in_flight", .int(c.maxInFlight)),
                ("webhooks", webhookCounters()),
                ("by_endpoint", .object(c.byEndpoint.keys.sorted().map { ($0, .int(c.byEndpoint[$0]!)) })),
            ]))
        }
        group.post("/config") { request, _ in
            let body = try await request.jsonBody()
            // `deny`: an object of scope to 401, 403, 403-forbidden, 404 or removed; an empty object lifts every denial.
            let denials: [String: Denial]? = try body["deny"].map { deny throws(SimulatorError) in
                guard case let .object(members) = deny else { throw .badRequest("deny must be an object of scope: status") }
                return try AccessScopeName.parse(members.map { "\($0.0)=\($0.1.stringValue ?? $0.1.intValue.map(String.init) ?? "")" }
                    .joined(separator: ","))
            }
            workspace.runtime.withLock { r in
                if let v = body["rate_limit"]?.intValue { r.rateLimit = max(0, v) }
                if let v = body["fault_rate"]?.doubleValue { r.faultRate = min(max(v, 0), 1) }
                if let v = body["search_index_lag"]?.intValue { r.searchIndexLag = max(0, v) }
                if let v = body["advance_clock"]?.intValue { r.clockOffset += v }
                if let v = body["stall_seconds"]?.doubleValue { r.stallSeconds = max(0, v) }
                if let v = body["latency_ms"]?.doubleValue { r.latencySeconds = min(max(0, v), 10_000) / 1000 }
                r.forcedFaults += (body["force_faults"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(Workspace.Fault.init(rawValue:)) }
                if let denials { r.denials = denials }
                if let v = body["expire_scroll_after_pages"]?.intValue { r.expireScrollAfterPages = max(1, v) }
                if let v = body["scroll_conflicts"]?.intValue { r.forcedScrollConflicts = max(0, v) }
                if let v = body["drift_share"]?.doubleValue { r.drift.share = min(max(v, 0), 1) }
                if let v = body["drift_fields"] {
                    let names = v.arrayValue?.compactMap(\.stringValue)
                    r.drift.fields = v.stringValue == "all" || v == .null ? nil : names.map(Set.init)
                }
            }
            workspace.webhooks.configure { w in
                if let v = body["webhook_url"] { w.url = v.stringValue }
                if let v = body["webhook_secret"] { w.secret = v.stringValue }
                if let v = body["webhook_delay_ms"]?.doubleValue { w.delaySeconds = min(max(0, v), 60_000) / 1000 }
                if let v = body["webhook_drop_rate"]?.doubleValue { w.dropRate = min(max(v, 0), 1) }
                if let v = body["webhook_duplicate_rate"]?.doubleValue { w.duplicateRate = min(max(v, 0), 1) }
                if let v = body["drop_webhooks"]?.intValue { w.dropNext = max(0, v) }
                if let v = body["duplicate_webhooks"]?.intValue { w.duplicateNext = max(0, v) }
                if let v = body["webhook_retry_seconds"]?.doubleValue { w.retrySeconds = min(max(0, v), 3_600) }
            }
            if let key = body["ticket_type_attributes_key"]?.stringValue {
                guard key == "data" || key == "ticket_type_attributes" else {
                    throw SimulatorError.badRequest("ticket_type_attributes_key is data or ticket_type_attributes")
                }
                workspace.mutate { $0.ticketTypeAttributesKey = key }
            }
            if let shape = body["ticket_shape"]?.stringValue {
                guard shape == "2.16" || shape == "2.11" else { throw SimulatorError.badRequest("ticket_shape is 2.16 or 2.11") }
                workspace.mutate { $0.ticketShape = shape }
            }
            return Response.json(.object([("now", .int(workspace.now()))]))
        }
        registerTicketControls(on: group)
        group.post("/contacts") { request, _ in try await createContact(request) }
        group.patch("/contacts/:id") { request, context in try await updateContact(request, context) }
        group.delete("/contacts/:id") { _, context in try setContactState(context, .deleted) }
        group.post("/contacts/:id/archive") { _, context in try setContactState(context, .archived) }
        group.post("/contacts/:id/merge") { request, context in
            let body = try await request.jsonBody()
            guard let into = body["into"]?.stringValue else { throw SimulatorError.badRequest("into is required") }
            return try merge(context, into: into)
        }
        group.post("/conversations") { request, _ in try await createConversation(request) }
        group.patch("/conversations/:id") { request, context in try await updateConversation(request, context) }
        group.post("/conversations/:id/parts") { request, context in try await addPart(request, context) }
        group.delete("/conversations/:id") { _, context in
            let id = try context.parameters.require("id")
            let now = workspace.now()
            try workspace.mutate { s throws(SimulatorError) in
                guard let i = s.conversationIndex[id], s.conversations[i].deletedAt == nil else { throw .notFound() }
                s.conversations[i].deletedAt = now
            }
            notify("conversation.deleted", .object([("type", .string("conversation")), ("id", .string(id))]))
            return Response.json(.object([("id", .string(id)), ("deleted", .bool(true))]))
        }
        group.patch("/companies/:id") { request, context in try await updateCompany(request, context) }
        group.post("/mutate") { request, _ in try await bulkMutate(request) }
    }

    func createContact(_ request: Request) async throws -> Response {
        let body = try await request.jsonBody()
        let now = workspace.now()
        let id = workspace.mutate { s in
            let seq = s.contacts.count
            let id = "new" + hex(UInt64(seq), width: 21)
            let role = body["role"]?.stringValue == "lead" ? "lead" : "user"
            s.contacts.append(SimContact(
                seq: seq, id: id, externalId: role == "user" ? body["external_id"]?.stringValue ?? "user-new-\(seq)" : nil,
                role: role, email: body["email"]?.stringValue, phone: nil, name: body["name"]?.stringValue, ownerId: nil,
                hasHardBounced: false, markedEmailAsSpam: false, unsubscribedFromEmails: false,
                createdAt: now, updatedAt: now, signedUpAt: role == "user" ? now : nil, lastSeenAt: nil, lastRepliedAt: nil,
                lastContactedAt: nil, browser: nil, os: nil, languageOverride: nil, avatarURL: nil,
                locationCountry: nil, locationRegion: nil, locationCity: nil, socialProfiles: [],
                customAttributes: Self.members(body["custom_attributes"]),
                tagIds: Self.strings(body["tag_ids"]), companyIds: Self.strings(body["company_ids"]), segmentIds: [],
                noteIds: [], changedAt: now))
            s.contactIndex[id] = seq
            return id
        }
        let item = renderedContact(id)
        notifyContact(item, "created")
        return .json(item)
    }

    func updateContact(_ request: Request, _ context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        let body = try await request.jsonBody()
        let now = workspace.now()
        try workspace.mutate { s throws(SimulatorError) in
            guard let i = s.contactIndex[id], s.contacts[i].state == .active else { throw .notFound("User Not Found") }
            var c = s.contacts[i]
            if let name = body["name"] { c.name = name.stringValue }
            if let email = body["email"] { c.email = email.stringValue }
            if let role = body["role"]?.stringValue, role == "user" || role == "lead" { c.role = role }
            for (key, value) in Self.members(body["custom_attributes"]) {
                c.customAttributes.removeAll { $0.0 == key }
                c.customAttributes.append((key, value))
            }
            if body["tag_ids"] != nil { c.tagIds = Self.strings(body["tag_ids"]) }
            if body["company_ids"] != nil { c.companyIds = Self.strings(body["company_ids"]) }
            if body["segment_ids"] != nil { c.segmentIds = Self.strings(body["segment_ids"]) }
            if let n = body["add_notes"]?.intValue {
                for k in 0..<n {
                    let noteId = String(s.notes.count + 1)
                    s.notes.append(SimNote(id: noteId, contactId: id, createdAt: now, authorId: s.admins[k % s.admins.count].id,
                                           body: "<p>Added note \(k)</p>"))
                    s.noteIndex[noteId] = s.notes.count - 1
                    c.noteIds.append(noteId)
                }
            }
            c.updatedAt = body["updated_at"]?.intValue ?? now
            c.changedAt = now
            s.contacts[i] = c
        }
        let item = renderedContact(id)
        notifyContact(item, "updated")
        return .json(item)
    }

    func setContactState(_ context: Context, _ newState: RecordState) throws -> Response {
        let id = try context.parameters.require("id")
        try workspace.mutate { s throws(SimulatorError) in
            guard let i = s.contactIndex[id], s.contacts[i].state == .active else { throw .notFound("User Not Found") }
            s.contacts[i].state = newState
        }
        notify(newState == .archived ? "contact.archived" : "contact.deleted", .object([("type", .string("contact")), ("id", .string(id))]))
        return .json(.object([("type", .string("contact")), ("id", .string(id)), ("state", .string("\(newState)"))]))
    }

    /// Merging moves the lead's conversations, tags and companies to the survivor, which changes.
    func merge(_ context: Context, into: String) throws -> Response {
        let id = try context.parameters.require("id")
        let now = workspace.now()
        try workspace.mutate { s throws(SimulatorError) in
            guard let from = s.contactIndex[id], s.contacts[from].state == .active,
                  let to = s.contactIndex[into], s.contacts[to].state == .active, from != to else {
                throw .badRequest("both contacts must exist and differ")
            }
            s.contacts[from].state = .merged(into: into)
            s.contacts[to].tagIds = (s.contacts[to].tagIds + s.contacts[from].tagIds).uniqued()
            s.contacts[to].companyIds = (s.contacts[to].companyIds + s.contacts[from].companyIds).uniqued()
            s.contacts[to].updatedAt = now
            s.contacts[to].changedAt = now
            for i in s.conversations.indices where s.conversations[i].contactIds.contains(id) {
                s.conversations[i].contactIds = s.conversations[i].contactIds.map { $0 == id ? into : $0 }.uniqued()
                if s.conversations[i].sourceAuthorId == id { s.conversations[i].sourceAuthorId = into }
                s.conversations[i].updatedAt = now
                s.conversations[i].changedAt = now
            }
        }
        notify("contact.merged", .object([("type", .string("contact")), ("id", .string(id)), ("merged_into_id", .string(into))]))
        return .json(renderedContact(into))
    }

    func createConversation(_ request: Request) async throws -> Response {
        let body = try await request.jsonBody()
        let now = workspace.now()
        let id = try workspace.mutate { s throws(SimulatorError) in
            guard let contactId = body["contact_id"]?.stringValue ?? s.visibleContacts.first(where: { _ in true })?.id,
                  s.contact(contactId)?.state == .active else { throw .badRequest("contact_id must name an active contact") }
            let seq = s.conversations.count
            let id = String(1_000 + seq)
            s.conversations.append(SimConversation(
                seq: seq, id: id, title: body["title"]?.stringValue, createdAt: now, updatedAt: now, waitingSince: now,
                snoozedUntil: nil, state: "open", read: false, priority: "none",
                adminAssigneeId: body["admin_assignee_id"]?.stringValue ?? body["admin_assignee_id"]?.intValue.map(String.init),
                teamAssigneeId: nil, tagIds: [], contactIds: [contactId], companyId: nil, customAttributes: [],
                sourceSubject: "", sourceBody: body["body"]?.stringValue ?? "<p>New conversation</p>",
                sourceAuthorType: "user", sourceAuthorId: contactId, deliveredAs: "customer_initiated",
                seededPartCount: 0, partSeed: 0,
                seededOutcome: SeededOutcome(state: "open", adminId: nil, teamId: nil, contactOpened: true), changedAt: now))
            s.conversationIndex[id] = seq
            return id
        }
        let item = renderedConversation(id)
        notify("conversation.user.created", item)
        return .json(item)
    }

    func updateConversation(_ request: Request, _ context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        let body = try await request.jsonBody()
        let now = workspace.now()
        try workspace.mutate { s throws(SimulatorError) in
            guard let i = s.conversationIndex[id], s.conversations[i].deletedAt == nil else { throw .notFound() }
            let at = body["updated_at"]?.intValue ?? now
            // Intercom records a state change or a reassignment as a part, by the admin the request names.
            func record(_ type: String, to target: (type: String, id: String)? = nil) {
                var c = s.conversations[i]
                c.addedParts.append(SimPart(
                    id: String(UInt64(c.seq + 1) * 1_000_000 + UInt64(c.partCount)), partType: type, body: nil, createdAt: at,
                    authorType: "admin", authorId: body["admin_id"]?.idValue ?? s.admins[0].id, assignedTo: target,
                    attachmentCount: 0, redacted: false))
                s.conversations[i] = c
            }
            if let state = body["state"]?.stringValue, ["open", "closed", "snoozed"].contains(state), state != s.conversations[i].state {
                let part = switch (state, s.conversations[i].state) {
                case ("closed", _): "close"
                case ("snoozed", _): "snoozed"
                case (_, "snoozed"): "unsnoozed"
                default: "open"
                }
                s.conversations[i].state = state
                record(part)
            }
            if let admin = body["admin_assignee_id"] {
                let assignee = admin.stringValue ?? admin.intValue.flatMap { $0 == 0 ? nil : String($0) }
                if assignee != s.conversations[i].adminAssigneeId {
                    s.conversations[i].adminAssigneeId = assignee
                    record("assignment", to: assignee.map { (type: "admin", id: $0) })
                }
            }
            if let title = body["title"] { s.conversations[i].title = title.stringValue }
            if body["tag_ids"] != nil { s.conversations[i].tagIds = Self.strings(body["tag_ids"]) }
            s.conversations[i].updatedAt = body["updated_at"]?.intValue ?? now
            s.conversations[i].changedAt = now
        }
        let topic = switch body["state"]?.stringValue {
        case "closed": "conversation.admin.closed"
        case "open": "conversation.admin.opened"
        case "snoozed": "conversation.admin.snoozed"
        default: body["admin_assignee_id"] != nil ? "conversation.admin.assigned" : "conversation.admin.noted"
        }
        let item = renderedConversation(id)
        notify(topic, item)
        return .json(item)
    }

    func addPart(_ request: Request, _ context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        let body = try await request.jsonBody()
        let now = workspace.now()
        try workspace.mutate { s throws(SimulatorError) in
            guard let i = s.conversationIndex[id], s.conversations[i].deletedAt == nil else { throw .notFound() }
            let count = max(1, body["count"]?.intValue ?? 1)
            for _ in 0..<count {
                var c = s.conversations[i]
                let partId = String(UInt64(c.seq + 1) * 1_000_000 + UInt64(c.partCount))
                let authorType = body["author_type"]?.stringValue ?? "admin"
                c.addedParts.append(SimPart(
                    id: partId, partType: body["part_type"]?.stringValue ?? "comment",
                    body: body["body"]?.stringValue ?? "<p>Reply at \(now)</p>", createdAt: now, authorType: authorType,
                    authorId: authorType == "admin" ? s.admins[0].id : c.contactIds[0], assignedTo: nil,
                    attachmentCount: 0, redacted: false))
                c.updatedAt = now
                c.changedAt = now
                s.conversations[i] = c
            }
        }
        let topic = body["part_type"]?.stringValue == "note" ? "conversation.admin.noted"
            : body["author_type"]?.stringValue == "user" ? "conversation.user.replied" : "conversation.admin.replied"
        let item = renderedConversation(id)
        notify(topic, item)
        return .json(item)
    }

    func updateCompany(_ request: Request, _ context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        let body = try await request.jsonBody()
        let now = workspace.now()
        try workspace.mutate { s throws(SimulatorError) in
            guard let i = s.companyIndex[id], s.companies[i].state == .active else { throw .notFound("Company Not Found") }
            if let name = body["name"]?.stringValue { s.companies[i].name = name }
            if let spend = body["monthly_spend"]?.intValue { s.companies[i].monthlySpend = spend }
            for (key, value) in Self.members(body["custom_attributes"]) {
                s.companies[i].customAttributes.removeAll { $0.0 == key }
                s.companies[i].customAttributes.append((key, value))
            }
            if body["deleted"] == .bool(true) {
                // Intercom archives the company and detaches its contacts (the contacts themselves stay).
                s.companies[i].state = .deleted
                for c in s.contacts.indices where s.contacts[c].companyIds.contains(id) { s.contacts[c].companyIds.removeAll { $0 == id } }
            }
            s.companies[i].updatedAt = now
        }
        let item = renderedCompany(id)
        if body["deleted"] == .bool(true) {
            notify("company.deleted", .object([("type", .string("company")), ("id", .string(id))]))
        } else {
            notify("company.updated", item)
        }
        return .json(item)
    }

    /// Touches a share of contacts and conversations at once, for incremental-sync benchmarks.
    func bulkMutate(_ request: Request) async throws -> Response {
        let body = try await request.jsonBody()
        let contacts = body["contacts"]?.intValue ?? 0
        let conversations = body["conversations"]?.intValue ?? 0
        let now = workspace.now()
        var rng = SeededRandom(seed: UInt64(now), stream: 7)
        let touched = workspace.mutate { s in
            var touchedContacts: [String] = [], touchedConversations: [String] = []
            let live = s.contacts.indices.filter { s.contacts[$0].state == .active }
            for i in live.shuffled(using: &rng).prefix(contacts) {
                s.contacts[i].customAttributes.removeAll { $0.0 == "plan" }
                s.contacts[i].customAttributes.append(("plan", .string("bulk-\(now)")))
                s.contacts[i].updatedAt = now
                s.contacts[i].changedAt = now
                touchedContacts.append(s.contacts[i].id)
            }
            let liveConversations = s.conversations.indices.filter { s.conversations[$0].deletedAt == nil }
            for i in liveConversations.shuffled(using: &rng).prefix(conversations) {
                var c = s.conversations[i]
                c.addedParts.append(SimPart(id: String(UInt64(c.seq + 1) * 1_000_000 + UInt64(c.partCount)), partType: "comment",
                                            body: "<p>bulk \(now)</p>", createdAt: now, authorType: "admin",
                                            authorId: s.admins[0].id, assignedTo: nil, attachmentCount: 0, redacted: false))
                c.updatedAt = now
                c.changedAt = now
                s.conversations[i] = c
                touchedConversations.append(c.id)
            }
            return (touchedContacts, touchedConversations)
        }
        for id in touched.0 { notifyContact(renderedContact(id), "updated") }
        for id in touched.1 { notify("conversation.admin.replied", renderedConversation(id)) }
        return .json(.object([("contacts", .array(touched.0.map(JSON.string))), ("conversations", .array(touched.1.map(JSON.string)))]))
    }

    // MARK: - Webhooks

    /// Sends `topic` about `item` when webhooks are configured; the item is rendered only then.
    func notify(_ topic: String, _ item: @autoclosure () -> JSON) {
        guard workspace.webhooks.isOn else { return }
        workspace.webhooks.notify(topic, item: item(), at: workspace.now())
    }

    /// `contact.user.<event>` or `contact.lead.<event>`, by the rendered contact's role.
    func notifyContact(_ item: @autoclosure () -> JSON, _ event: String) {
        guard workspace.webhooks.isOn else { return }
        let contact = item()
        guard let role = contact["role"]?.stringValue else { return }
        notify("contact.\(role).\(event)", contact)
    }

    /// Items as the API renders them, for a mutation's answer and its webhook alike (`null` when gone).
    func renderedContact(_ id: String) -> JSON {
        let r = workspace.renderer()
        return r.state.contact(id).map(r.contact) ?? .null
    }

    func renderedConversation(_ id: String) -> JSON {
        let r = workspace.renderer()
        return r.state.conversation(id).map { r.conversation($0) } ?? .null
    }

    func renderedCompany(_ id: String) -> JSON {
        let r = workspace.renderer()
        return r.state.company(id).map(r.company) ?? .null
    }

    func webhookCounters() -> JSON {
        let w = workspace.webhooks.counters
        return .object([
            ("notified", .int(w.notified)), ("dropped", .int(w.dropped)), ("duplicated", .int(w.duplicated)),
            ("delivered", .int(w.delivered)), ("retried", .int(w.retried)), ("failed", .int(w.failed)), ("in_flight", .int(w.inFlight)),
        ])
    }

    static func members(_ json: JSON?) -> [(String, JSON)] {
        if case let .object(members)? = json { return members }
        return []
    }

    static func strings(_ json: JSON?) -> [String] {
        (json?.arrayValue ?? []).compactMap { $0.stringValue ?? $0.intValue.map(String.init) }
    }
}
