import IntercomAPI

/// Per-conversation support metrics computed from the mirrored parts (the `conversation_metrics` table): when the
/// contact first wrote, when an admin first answered, assigned and closed, how often it reopened, and Intercom's own
/// `statistics` beside ours. Times are unix seconds, durations seconds, nil when the event never happened. Intercom
/// subtracts office hours from its durations; these do not.
public struct ConversationMetrics: Sendable, Equatable {
    /// What the computation reads of a conversation.
    public struct Conversation: Sendable {
        public var createdAt: Int?
        /// `source.author.type`: `user`, `lead`, `admin`, `bot`…
        public var sourceAuthorType: String?
        public var partsTruncated: Bool
        /// Intercom's `statistics` object, if it sent one.
        public var statistics: JSON?

        public init(createdAt: Int?, sourceAuthorType: String?, partsTruncated: Bool = false, statistics: JSON? = nil) {
            self.createdAt = createdAt
            self.sourceAuthorType = sourceAuthorType
            self.partsTruncated = partsTruncated
            self.statistics = statistics
        }
    }

    /// What the computation reads of a part, as Intercom sends it.
    public struct Part: Sendable {
        public var id: String
        public var partType: String?
        public var authorType: String?
        public var authorID: String?
        public var body: String?
        public var createdAt: Int?
        public var assignedToType: String?
        public var assignedToID: String?

        public init(id: String, partType: String?, authorType: String?, authorID: String? = nil, body: String? = nil,
                    createdAt: Int?, assignedToType: String? = nil, assignedToID: String? = nil) {
            self.id = id
            self.partType = partType
            self.authorType = authorType
            self.authorID = authorID
            self.body = body
            self.createdAt = createdAt
            self.assignedToType = assignedToType
            self.assignedToID = assignedToID
        }

        var isComment: Bool { partType == "comment" }
        var isAssignment: Bool { partType?.contains("assignment") == true }
        var byAdmin: Bool { authorType == "admin" }
        var byContact: Bool { ConversationMetrics.isContact(authorType) }
        /// An admin's reply: a comment or an assignment with a message, by an admin (bots are `bot`, not counted).
        var isAdminReply: Bool {
            byAdmin && (isComment || isAssignment) && !(body ?? "").allSatisfy(\.isWhitespace)
        }
    }

    public var values: [String: Int] = [:]
    public var ids: [String: String] = [:]
    public var partsTruncated = false

    /// Intercom's author types of a person writing in: users and leads (`contact` in some payloads).
    static func isContact(_ type: String?) -> Bool { type == "user" || type == "lead" || type == "contact" }

    /// Parts in time order, ties broken by part id (numerically when both are numbers): conversation and ticket parts.
    static func ordered<P: TimedPart>(_ parts: [P]) -> [P] {
        parts.sorted { a, b in
            if a.createdAt != b.createdAt { return (a.createdAt ?? .min) < (b.createdAt ?? .min) }
            if let x = Int(a.id), let y = Int(b.id) { return x < y }
            return a.id < b.id
        }
    }

    /// The metrics of one conversation from its parts.
    public init(_ conversation: Conversation, parts unordered: [Part]) {
        let parts = Self.ordered(unordered).filter { $0.createdAt != nil }
        func first(_ match: (Part) -> Bool) -> Part? { parts.first(where: match) }
        func last(_ match: (Part) -> Bool) -> Part? { parts.last(where: match) }
        func set(_ name: String, _ value: Int?) { if let value { values[name] = value } }
        func id(_ name: String, _ value: String?) { if let value { ids[name] = value } }

        let created = conversation.createdAt
        let sourceByContact = Self.isContact(conversation.sourceAuthorType)
        let firstContact = sourceByContact ? created : first { $0.isComment && $0.byContact }?.createdAt
        set("first_contact_message_at", firstContact)
        set("first_admin_reply_at", first(\.isAdminReply)?.createdAt)
        set("last_admin_reply_at", last(\.isAdminReply)?.createdAt)

        let assignments = parts.filter(\.isAssignment)
        set("first_assignment_at", assignments.first?.createdAt)
        set("last_assignment_at", assignments.last?.createdAt)
        set("count_assignments", assignments.count)
        let toTeams = assignments.filter { $0.assignedToType == "team" }
        id("first_team_id", toTeams.first?.assignedToID)
        id("last_team_id", toTeams.last?.assignedToID)

        let closes = parts.filter { $0.partType == "close" }
        let adminCloses = closes.filter(\.byAdmin)
        set("first_close_at", closes.first?.createdAt)
        set("last_close_at", closes.last?.createdAt)
        set("first_admin_close_at", adminCloses.first?.createdAt)
        set("last_admin_close_at", adminCloses.last?.createdAt)
        id("last_closed_by_admin_id", adminCloses.last?.authorID)

        set("count_reopens", parts.filter { $0.partType == "open" }.count)
        set("count_parts", unordered.count)
        set("count_admin_replies", parts.filter { $0.isComment && $0.byAdmin }.count)
        set("count_contact_replies", parts.filter { $0.isComment && $0.byContact }.count)

        func since(_ start: Int?, _ end: Int?) -> Int? { if let start, let end { end - start } else { nil } }
        set("time_to_first_assignment", since(created, assignments.first?.createdAt))
        set("time_to_first_response", since(created, values["first_admin_reply_at"]))
        set("time_to_first_close", since(firstContact, closes.first?.createdAt))
        set("time_to_last_close", since(firstContact, closes.last?.createdAt))
        set("median_time_to_reply", Self.medianTimeToReply(created: sourceByContact ? created : nil, parts))

        partsTruncated = conversation.partsTruncated
        if let statistics = conversation.statistics {
            for key in Self.intercomStatistics { set("intercom_" + key, statistics[key]?.intValue) }
            id("intercom_last_closed_by_id", statistics["last_closed_by_id"]?.idValue)
        }
    }

    /// For each admin reply that follows contact messages not yet answered, the time since the first of them; the
    /// lower middle of those times. The conversation's opening message counts when a contact wrote it (`created`).
    static func medianTimeToReply(created: Int?, _ parts: [Part]) -> Int? {
        var waitingSince = created
        var times: [Int] = []
        for part in parts {
            guard let at = part.createdAt else { continue }
            if part.isComment && part.byContact {
                if waitingSince == nil { waitingSince = at }
            } else if part.isAdminReply, let since = waitingSince {
                times.append(at - since)
                waitingSince = nil
            }
        }
        guard !times.isEmpty else { return nil }
        return times.sorted()[(times.count - 1) / 2]
    }

    /// The integer fields of Intercom's `statistics` kept beside ours, as `intercom_<field>`.
    public static let intercomStatistics = [
        "time_to_assignment", "time_to_admin_reply", "time_to_first_close", "time_to_last_close", "median_time_to_reply",
        "first_contact_reply_at", "first_assignment_at", "first_admin_reply_at", "first_close_at", "last_close_at",
        "count_reopens", "count_assignments", "count_conversation_parts",
    ]
}

/// A part of a conversation or ticket, as the metrics order them.
protocol TimedPart {
    var id: String { get }
    var createdAt: Int? { get }
}

extension ConversationMetrics.Part: TimedPart {}
extension TicketMetrics.Part: TimedPart {}
