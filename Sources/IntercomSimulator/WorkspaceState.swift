import IntercomAPI
/// Everything the simulated workspace holds; mutated only under the workspace's lock.
public struct WorkspaceState: Sendable {
    public var admins: [SimAdmin] = []
    public var teams: [SimTeam] = []
    public var tags: [SimTag] = []
    public var segments: [SimSegment] = []
    public var companies: [SimCompany] = []
    public var contacts: [SimContact] = []
    public var notes: [SimNote] = []
    public var conversations: [SimConversation] = []
    public var articles: [SimArticle] = []
    public var dataAttributes: [SimDataAttribute] = []
    public var ticketTypes: [SimTicketType] = []
    public var ticketStates: [SimTicketState] = []
    public var tickets: [SimTicket] = []
    /// Where ticket types list their attributes: `data` (the spec's examples) or `ticket_type_attributes` (its schema).
    public var ticketTypeAttributesKey = "data"
    /// `2.16`: `ticket_state` an object and assignee ids integers, as the spec says; `2.11`: the older shape Airbyte's
    /// connector (pinned to 2.11) expects, `ticket_state` the category's string and assignee ids strings.
    public var ticketShape = "2.16"

    var contactIndex: [String: Int] = [:]
    var companyIndex: [String: Int] = [:]
    var conversationIndex: [String: Int] = [:]
    var noteIndex: [String: Int] = [:]
    var ticketIndex: [String: Int] = [:]
    /// Bumped on every mutation, so cached search results know when they are stale.
    public var version = 0

    mutating func reindex() {
        contactIndex = Dictionary(uniqueKeysWithValues: contacts.enumerated().map { ($1.id, $0) })
        companyIndex = Dictionary(uniqueKeysWithValues: companies.enumerated().map { ($1.id, $0) })
        conversationIndex = Dictionary(uniqueKeysWithValues: conversations.enumerated().map { ($1.id, $0) })
        noteIndex = Dictionary(uniqueKeysWithValues: notes.enumerated().map { ($1.id, $0) })
        ticketIndex = Dictionary(uniqueKeysWithValues: tickets.enumerated().map { ($1.id, $0) })
    }

    public func contact(_ id: String) -> SimContact? { contactIndex[id].map { contacts[$0] } }
    public func company(_ id: String) -> SimCompany? { companyIndex[id].map { companies[$0] } }
    public func conversation(_ id: String) -> SimConversation? { conversationIndex[id].map { conversations[$0] } }
    public func note(_ id: String) -> SimNote? { noteIndex[id].map { notes[$0] } }

    /// Contacts Intercom would show: not archived, deleted or merged.
    public var visibleContacts: some Sequence<SimContact> { contacts.lazy.filter { $0.state == .active } }
    public var visibleConversations: some Sequence<SimConversation> { conversations.lazy.filter { $0.deletedAt == nil } }
    public var visibleCompanies: some Sequence<SimCompany> { companies.lazy.filter { $0.state == .active } }

    /// Number of active users and leads attached to each company.
    public func userCounts() -> [String: Int] {
        var counts: [String: Int] = [:]
        for contact in visibleContacts { for id in contact.companyIds { counts[id, default: 0] += 1 } }
        return counts
    }
}
