import IntercomAPI

/// A ticket type: the category its tickets take and the typed attributes they carry.
public struct SimTicketType: Sendable {
    public var id: String
    public var name: String
    public var description: String
    public var icon: String
    /// `Customer`, `Back-office` or `Tracker`.
    public var category: String
    public var archived: Bool
    public var createdAt: Int
    public var updatedAt: Int
    public var attributes: [SimTicketTypeAttribute]
}

/// One data field of a ticket type; `_default_title_` and `_default_description_` are built in.
public struct SimTicketTypeAttribute: Sendable {
    public var id: String
    public var name: String
    /// `string`, `list`, `integer`, `decimal`, `boolean`, `datetime` or `files`.
    public var dataType: String
    public var order: Int
    public var isDefault: Bool
    /// The labels of a list attribute.
    public var options: [String]
}

/// A ticket state: its category and its labels for teammates and customers.
public struct SimTicketState: Sendable {
    public var id: String
    /// `submitted`, `in_progress`, `waiting_on_customer` or `resolved`.
    public var category: String
    public var internalLabel: String
    public var externalLabel: String
    public var archived: Bool
}

/// One event of a ticket: a state change, an attribute update, a comment, a note or an assignment.
public struct SimTicketPart: Sendable {
    public var id: String
    public var partType: String
    public var body: String?
    public var createdAt: Int
    public var authorType: String
    public var authorId: String
    /// The state categories before and after a state change part.
    public var previousState: String?
    public var newState: String?
    public var assignedTo: (type: String, id: String)?
    /// An attribute update: the attribute and its new value's label.
    public var attribute: (id: String, label: String, value: JSON)?
}

/// A ticket of the simulated workspace, with all its parts.
public struct SimTicket: Sendable {
    public var seq: Int
    public var id: String
    /// The number the Inbox shows: not the id the API takes.
    public var ticketNumber: String
    public var typeId: String
    public var stateId: String
    public var previousStateId: String?
    public var attributes: [(String, JSON)]
    public var contactIds: [String]
    public var adminAssigneeId: String?
    public var teamAssigneeId: String?
    public var createdAt: Int
    public var updatedAt: Int
    public var snoozedUntil: Int?
    /// Linked conversations and tickets, as `(type, id)`.
    public var links: [(type: String, id: String)]
    public var tagIds: [String]
    public var isShared: Bool
    public var parts: [SimTicketPart]
    public var deletedAt: Int?
    public var changedAt: Int = 0
}

extension WorkspaceState {
    public func ticket(_ id: String) -> SimTicket? { ticketIndex[id].map { tickets[$0] } }
    public func ticketType(_ id: String) -> SimTicketType? { ticketTypes.first { $0.id == id } }
    public func ticketState(_ id: String) -> SimTicketState? { ticketStates.first { $0.id == id } }
    public var visibleTickets: some Sequence<SimTicket> { tickets.lazy.filter { $0.deletedAt == nil } }

    /// The state category of a ticket now.
    public func stateCategory(of ticket: SimTicket) -> String { ticketState(ticket.stateId)?.category ?? "submitted" }

    /// A state of `category` for a ticket to move to (the first one that is not archived).
    func stateID(category: String, _ r: inout SeededRandom) -> String {
        let candidates = ticketStates.filter { $0.category == category && !$0.archived }
        return candidates.isEmpty ? ticketStates[0].id : r.pick(candidates).id
    }

    /// The id the next part of `ticket` takes: unique across tickets and stable per seed.
    func nextTicketPartID(_ ticket: SimTicket) -> String { String(7_000_000_000_000 + UInt64(ticket.seq + 1) * 1_000_000 + UInt64(ticket.parts.count)) }
}

extension Generator {
    static let ticketStateSeeds: [SimTicketState] = [
        SimTicketState(id: "8500", category: "submitted", internalLabel: "Submitted", externalLabel: "Submitted", archived: false),
        SimTicketState(id: "8501", category: "in_progress", internalLabel: "In progress", externalLabel: "In progress", archived: false),
        SimTicketState(id: "8502", category: "in_progress", internalLabel: "With Dev Team 🛠", externalLabel: "In progress", archived: false),
        SimTicketState(id: "8503", category: "waiting_on_customer", internalLabel: "Waiting on customer", externalLabel: "Waiting on you", archived: false),
        SimTicketState(id: "8504", category: "resolved", internalLabel: "Resolved", externalLabel: "Resolved", archived: false),
        SimTicketState(id: "8505", category: "resolved", internalLabel: "Won't fix", externalLabel: "Resolved", archived: false),
        SimTicketState(id: "8506", category: "in_progress", internalLabel: "Escalated (old)", externalLabel: "In progress", archived: true),
    ]

    /// Ticket types of all three categories, one archived, with attributes of every data type.
    func ticketTypes(_ rng: inout SeededRandom) -> [SimTicketType] {
        var nextAttribute = 300
        func attribute(_ name: String, _ type: String, options: [String] = []) -> SimTicketTypeAttribute {
            defer { nextAttribute += 1 }
            return SimTicketTypeAttribute(id: String(nextAttribute), name: name, dataType: type, order: nextAttribute % 10,
                                          isDefault: name.hasPrefix("_default_"), options: options)
        }
        func make(_ id: String, _ name: String, _ category: String, icon: String, archived: Bool = false,
                  _ extra: [SimTicketTypeAttribute]) -> SimTicketType {
            let created = timestamp(&rng)
            return SimTicketType(id: id, name: name, description: "\(name) tickets", icon: icon, category: category,
                                 archived: archived, createdAt: created, updatedAt: created + 600,
                                 attributes: [attribute("_default_title_", "string"), attribute("_default_description_", "string")] + extra)
        }
        return [
            make("1201", "Bug 🐞", "Customer", icon: "🐞", [attribute("priority", "list", options: ["Low", "Medium", "High"]),
                                                              attribute("browser", "string")]),
            make("1202", "Question", "Customer", icon: "❓", []),
            make("1203", "Refund request", "Back-office", icon: "💸", [attribute("amount", "decimal"), attribute("approved", "boolean"),
                                                                      attribute("due date", "datetime")]),
            make("1204", "Outage", "Tracker", icon: "🔥", [attribute("severity", "integer"), attribute("screenshots", "files")]),
            make("1205", "Legacy form", "Customer", icon: "📄", archived: true, []),
        ]
    }

    /// A value of a ticket attribute of `attribute`'s type, as the ticket's `ticket_attributes` shows it.
    func ticketAttributeValue(_ attribute: SimTicketTypeAttribute, ticket seq: Int, _ r: inout SeededRandom) -> JSON {
        switch attribute.dataType {
        case "list": return .string(r.pick(attribute.options))
        case "integer": return .int(r.int(1...5))
        case "decimal": return .double(Double(r.int(100...99_999)) / 100)
        case "boolean": return .bool(r.chance(0.5))
        case "datetime": return .int(timestamp(&r))
        case "files":
            return .array((0..<r.int(0...2)).map { n in
                .object([("type", .string("file_attribute")), ("name", .string("screenshot-\(seq)-\(n).png")),
                         ("url", .string("https://files.example/tickets/\(seq)/\(n).png")), ("content_type", .string("image/png")),
                         ("filesize", .int(2048 * (n + 1))), ("width", .int(800)), ("height", .int(600))])
            })
        default: return .string(r.pick(["Firefox 131", "Safari 18", "Chrome 130 on Android", "IE 11 😬", ""]))
        }
    }

    /// Tickets: each category, unassigned ones (0 in the JSON), links to conversations and tickets, a few past the
    /// 500-part cap, reopened ones. Each ticket draws from its own stream, so the rest of the workspace is as before.
    func buildTickets(_ state: inout WorkspaceState) {
        var rng = SeededRandom(seed: options.seed, stream: 5_000_000)
        state.ticketTypes = ticketTypes(&rng)
        state.ticketStates = Generator.ticketStateSeeds
        guard !state.contacts.isEmpty else { return }
        let liveTypes = state.ticketTypes.filter { !$0.archived }
        for seq in 0..<options.tickets {
            var r = SeededRandom(seed: options.seed, stream: 5_000_001 + UInt64(seq))
            // A few tickets keep an archived type, as old tickets do.
            let type = r.chance(0.03) ? state.ticketTypes.first(where: \.archived)! : r.pick(liveTypes)
            let created = timestamp(&r)
            var contactIds: [String] = []
            let contactCount = type.category == "Tracker" ? r.int(0...3) : type.category == "Back-office" ? r.int(0...1) : 1
            for _ in 0..<contactCount { contactIds.append(state.contacts[r.int(0...state.contacts.count - 1)].id) }
            contactIds = contactIds.uniqued()
            var ticket = SimTicket(
                seq: seq, id: String(22_000_000 + seq), ticketNumber: String(seq + 1), typeId: type.id, stateId: "8500",
                previousStateId: nil,
                attributes: type.attributes.map { a in
                    switch a.name {
                    case "_default_title_": (a.name, .string(r.pick(["Can't export CSV", "Refund for order #\(r.int(1000...9999))",
                                                                        "Login loop 🔁", "خطأ في الدفع", "<b>Urgent</b> outage"])))
                    case "_default_description_": (a.name, r.chance(0.2) ? .null : .string("<p>Steps: open, click, <i>boom</i></p>"))
                    default: (a.name, ticketAttributeValue(a, ticket: seq, &r))
                    }
                },
                contactIds: contactIds, adminAssigneeId: nil,
                teamAssigneeId: r.chance(0.6) ? state.teams[r.int(0...state.teams.count - 1)].id : nil,
                createdAt: created, updatedAt: created, snoozedUntil: nil, links: [],
                tagIds: (0..<r.int(0...2)).map { _ in state.tags[r.int(0...state.tags.count - 1)].id }.uniqued(),
                isShared: type.category == "Customer", parts: [])
            let huge = options.tickets > 13 && seq % 97 == 13
            seedTicketParts(&ticket, type: type, count: huge ? r.int(501...560) : r.count(mean: options.partsPerConversation), &r, state)
            if r.chance(0.4), !state.conversations.isEmpty {
                ticket.links.append((type: "conversation", id: state.conversations[r.int(0...state.conversations.count - 1)].id))
            }
            // Ticket links go both ways.
            if seq > 0, r.chance(0.1) {
                let other = r.int(0...seq - 1)
                ticket.links.append((type: "ticket", id: state.tickets[other].id))
                state.tickets[other].links.append((type: "ticket", id: ticket.id))
            }
            state.tickets.append(ticket)
        }
    }

    /// A ticket's history: the creation's no-op state part (`submitted` to `submitted`), then comments, notes,
    /// assignments, attribute updates and state changes through the categories, reopened now and then.
    func seedTicketParts(_ t: inout SimTicket, type: SimTicketType, count: Int, _ r: inout SeededRandom, _ state: WorkspaceState) {
        var at = t.createdAt
        let step = count > 100 ? 3_600 : 172_800
        func admin() -> String { state.admins[r.int(0...state.admins.count - 1)].id }
        if r.chance(0.5) {
            t.parts.append(SimTicketPart(id: state.nextTicketPartID(t), partType: "ticket_state_updated_by_admin", body: nil,
                                         createdAt: at + 1, authorType: "admin", authorId: admin(), previousState: "submitted",
                                         newState: "submitted"))
        }
        func move(to category: String) {
            let from = state.stateCategory(of: t)
            t.previousStateId = t.stateId
            t.stateId = state.stateID(category: category, &r)
            t.parts.append(SimTicketPart(id: state.nextTicketPartID(t), partType: "ticket_state_updated_by_admin", body: nil,
                                         createdAt: at, authorType: r.chance(0.1) ? "bot" : "admin", authorId: admin(),
                                         previousState: from, newState: category))
        }
        for _ in 0..<count {
            at += r.int(60...step)
            let current = state.stateCategory(of: t)
            let roll = r.int(0...99)
            if roll < 30 {
                t.parts.append(SimTicketPart(id: state.nextTicketPartID(t), partType: "comment",
                                             body: r.pick(["<p>Looking into it 👀</p>", "<p>Fixed in <b>v2.3</b></p>", "<p></p>"]),
                                             createdAt: at, authorType: "admin", authorId: admin()))
            } else if roll < 48, let contact = t.contactIds.first {
                t.parts.append(SimTicketPart(id: state.nextTicketPartID(t), partType: "comment",
                                             body: r.pick(["<p>Any news?</p>", "<p>Still broken 😤</p>", "<p dir=\"rtl\">شكرا</p>"]),
                                             createdAt: at, authorType: state.contact(contact)?.role ?? "user", authorId: contact))
            } else if roll < 60 {
                t.parts.append(SimTicketPart(id: state.nextTicketPartID(t), partType: "note", body: "<p>Internal: check logs &amp; retry</p>",
                                             createdAt: at, authorType: "admin", authorId: admin()))
            } else if roll < 72 {
                let assignee = admin()
                t.adminAssigneeId = assignee
                t.parts.append(SimTicketPart(id: state.nextTicketPartID(t), partType: "assignment", body: nil, createdAt: at,
                                             authorType: "admin", authorId: admin(), assignedTo: (type: "admin", id: assignee)))
            } else if roll < 80, let attribute = type.attributes.first(where: { !$0.isDefault }) {
                let value = ticketAttributeValue(attribute, ticket: t.seq, &r)
                t.attributes.removeAll { $0.0 == attribute.name }
                t.attributes.append((attribute.name, value))
                t.parts.append(SimTicketPart(id: state.nextTicketPartID(t), partType: "ticket_attribute_updated_by_admin", body: nil,
                                             createdAt: at, authorType: "admin", authorId: admin(),
                                             attribute: (id: attribute.id, label: attribute.name, value: value)))
            } else {
                let next: String = switch current {
                case "submitted": "in_progress"
                case "in_progress": r.pick(["waiting_on_customer", "resolved"])
                case "waiting_on_customer": r.pick(["in_progress", "resolved"])
                default: "in_progress"  // a reopen
                }
                move(to: next)
            }
        }
        if state.stateCategory(of: t) != "resolved", r.chance(0.45) {
            at += r.int(60...step)
            move(to: "resolved")
        }
        t.updatedAt = (t.parts.last?.createdAt ?? t.createdAt) + r.int(0...60)
    }
}

extension Renderer {
    func ticketType(_ type: SimTicketType) -> JSON {
        let attributes: [JSON] = type.attributes.map { a in
            .object([
                ("type", .string("ticket_type_attribute")), ("id", .string(a.id)), ("workspace_id", .string(appId)),
                ("name", .string(a.name)), ("description", .string(a.isDefault ? "" : "The \(a.name)")),
                ("data_type", .string(a.dataType)),
                ("input_options", a.options.isEmpty ? .null : .object([("list_options", .array(a.options.enumerated().map { n, label in
                    .object([("id", .string("\(a.id)-\(n)")), ("label", .string(label))])
                }))])),
                ("order", .int(a.order)), ("required_to_create", .bool(a.isDefault)), ("required_to_create_for_contacts", .bool(false)),
                ("visible_on_create", .bool(true)), ("visible_to_contacts", .bool(a.name != "amount")), ("default", .bool(a.isDefault)),
                ("ticket_type_id", .int(Int(type.id) ?? 0)), ("archived", .bool(false)),
                ("created_at", .int(type.createdAt)), ("updated_at", .int(type.updatedAt)),
            ])
        }
        // The spec's schema names the list `ticket_type_attributes.list` with its items under `ticket_type_attributes`; its
        // examples (and the default here) send `{type: list, data: [...]}`.
        let list: JSON = state.ticketTypeAttributesKey == "data"
            ? .object([("type", .string("list")), ("data", .array(attributes))])
            : .object([("type", .string("ticket_type_attributes.list")), ("ticket_type_attributes", .array(attributes))])
        return .object([
            ("type", .string("ticket_type")), ("id", .string(type.id)), ("category", .string(type.category)),
            ("name", .string(type.name)), ("description", .string(type.description)), ("icon", .string(type.icon)),
            ("workspace_id", .string(appId)), ("ticket_type_attributes", list), ("archived", .bool(type.archived)),
            ("created_at", .int(type.createdAt)), ("updated_at", .int(type.updatedAt)), ("is_internal", .bool(type.category != "Customer")),
        ])
    }

    func ticketState(_ s: SimTicketState, detailed: Bool = false) -> JSON {
        var members: [(String, JSON)] = [
            ("type", .string("ticket_state")), ("id", .string(s.id)), ("category", .string(s.category)),
            ("internal_label", .string(s.internalLabel)), ("external_label", .string(s.externalLabel)),
        ]
        if detailed {
            members.append(("archived", .bool(s.archived)))
            members.append(("ticket_types", .object([("type", .string("list")), ("data", .array(state.ticketTypes.map { t in
                .object([("type", .string("ticket_type")), ("id", .string(t.id)), ("name", .string(t.name)),
                         ("description", .string(t.description)), ("icon", .string(t.icon)), ("archived", .bool(t.archived)),
                         ("is_internal", .bool(t.category != "Customer")), ("category", .string(t.category))])
            }))])))
        }
        return .object(members)
    }

    /// A ticket as `GET /tickets/{id}` (with `parts`, the 500 most recent) and search (without) render it.
    func ticket(_ t: SimTicket, parts: [SimTicketPart]? = nil) -> JSON {
        let type = state.ticketType(t.typeId)
        var members: [(String, JSON)] = [
            ("type", .string("ticket")), ("id", .string(t.id)), ("ticket_id", .string(t.ticketNumber)),
            ("category", .string(type?.category)), ("ticket_attributes", .object(t.attributes)),
            ("ticket_state", state.ticketShape == "2.11" ? .string(state.stateCategory(of: t))
                : state.ticketState(t.stateId).map { ticketState($0) } ?? .null),
            ("ticket_type", type.map(ticketType) ?? .null),
            ("contacts", .object([("type", .string("contact.list")), ("contacts", .array(t.contactIds.map { id in
                .object([("type", .string("contact")), ("id", .string(id)), ("external_id", .string(state.contact(id)?.externalId))])
            }))])),
            // Tickets always send 0 for "unassigned" (the older shape: "0").
            ("admin_assignee_id", state.ticketShape == "2.11" ? .string(t.adminAssigneeId ?? "0") : assignee(t.adminAssigneeId, zeroWhenNone: true)),
            ("team_assignee_id", state.ticketShape == "2.11" ? .string(t.teamAssigneeId ?? "0") : assignee(t.teamAssigneeId, zeroWhenNone: true)),
            ("created_at", .int(t.createdAt)), ("updated_at", .int(t.updatedAt)),
            ("open", .bool(state.stateCategory(of: t) != "resolved")),
            ("linked_objects", .object([
                ("type", .string("list")),
                ("data", .array(t.links.map { link in
                    .object([("type", .string(link.type)), ("id", .string(link.id)),
                             ("category", link.type == "ticket" ? .string(state.ticket(link.id).flatMap { state.ticketType($0.typeId)?.category }) : .null)])
                })),
                ("total_count", .int(t.links.count)), ("has_more", .bool(false)),
            ])),
            ("tags", .object([("type", .string("tag.list")), ("tags", .array(t.tagIds.map(tagBasic)))])),
            ("is_shared", .bool(t.isShared)), ("previous_ticket_state_id", .string(t.previousStateId)),
        ]
        // The schema's `snoozed_until` is a non-nullable integer; Intercom's examples leave it out when not snoozed.
        if let snoozed = t.snoozedUntil { members.append(("snoozed_until", .int(snoozed))) }
        if let parts {
            members.append(("ticket_parts", .object([
                ("type", .string("ticket_part.list")), ("ticket_parts", .array(parts.map(ticketPart))), ("total_count", .int(t.parts.count)),
            ])))
        }
        return .object(members)
    }

    func ticketPart(_ p: SimTicketPart) -> JSON {
        let author: JSON
        if p.authorType == "admin" || p.authorType == "bot", let a = state.admins.first(where: { $0.id == p.authorId }) {
            author = .object([("id", .string(a.id)), ("type", .string(p.authorType)), ("name", .string(p.authorType == "bot" ? "Fin" : a.name)),
                              ("email", .string(p.authorType == "bot" ? "operator+\(appId)@intercom.io" : a.email))])
        } else {
            // A ticket part's author type is admin, bot, team or user: leads write as `user` too.
            let c = state.contact(p.authorId)
            author = .object([("id", .string(p.authorId)), ("type", .string("user")), ("name", .string(c?.name)),
                              ("email", .string(c?.email))])
        }
        var members: [(String, JSON)] = [
            ("type", .string("ticket_part")), ("id", .string(p.id)), ("part_type", .string(p.partType)),
        ]
        if let body = p.body { members.append(("body", .string(body))) }
        if let new = p.newState {
            members.append(("ticket_state", .string(new)))
            members.append(("previous_ticket_state", .string(p.previousState)))
        }
        members += [("created_at", .int(p.createdAt)), ("updated_at", .int(p.createdAt))]
        if let target = p.assignedTo { members.append(("assigned_to", .object([("type", .string(target.type)), ("id", .string(target.id))]))) }
        members += [("author", author), ("attachments", .array([])), ("redacted", .bool(false))]
        if let attribute = p.attribute {
            members.append(("updated_attribute_data", .object([
                ("attribute", .object([("type", .string("attribute")), ("id", .string(attribute.id)), ("label", .string(attribute.label))])),
                ("value", Self.attributeValue(attribute.value)),
            ])))
        }
        return .object(members)
    }
}

extension Renderer {
    /// An attribute update's new value as the spec gives it: text (a number's digits, `true`), or for files the ids and
    /// the names of the files.
    static func attributeValue(_ value: JSON) -> JSON {
        if let files = value.arrayValue {
            return .object([("type", .string("value")), ("id", .array(files.indices.map { .int(2 + $0) })),
                            ("label", .array(files.map { .string($0["name"]?.stringValue ?? "file") }))])
        }
        let text: JSON = switch value {
        case let .string(s): .string(s)
        case let .int(i): .string(String(i))
        case let .double(d): .string(String(d))
        case let .bool(b): .string(b ? "true" : "false")
        default: .null
        }
        return .object([("type", .string("value")), ("id", text), ("label", text == .null ? .string("") : text)])
    }
}

extension SimTicket {
    static let dateFields: Set<String> = ["created_at", "updated_at", "snoozed_until"]
    /// The words ticket search takes for each category.
    static let categoryTerms = ["Customer": "request", "Back-office": "task", "Tracker": "tracker"]

    /// A ticket's field as ticket search reads it. Categories are searched by Intercom's terms (`request`, `task`,
    /// `tracker`), not by the names tickets show.
    func searchValue(_ field: String, _ state: WorkspaceState) -> FieldValue {
        switch field {
        case "id": .string(id)
        case "created_at": .int(createdAt)
        case "updated_at": .int(updatedAt)
        case "snoozed_until": .int(snoozedUntil)
        case "title": .string(attributes.first { $0.0 == "_default_title_" }?.1.stringValue)
        case "description": .string(attributes.first { $0.0 == "_default_description_" }?.1.stringValue)
        case "category": .string(state.ticketType(typeId).flatMap { Self.categoryTerms[$0.category] })
        case "ticket_type_id": .string(typeId)
        case "contact_ids": .strings(contactIds)
        case "admin_assignee_id": .int(adminAssigneeId.flatMap { Int($0) } ?? 0)
        case "team_assignee_id": .int(teamAssigneeId.flatMap { Int($0) } ?? 0)
        case "open": .bool(state.stateCategory(of: self) != "resolved")
        case "state": .string(state.stateCategory(of: self))
        default: .string(nil)
        }
    }
}
