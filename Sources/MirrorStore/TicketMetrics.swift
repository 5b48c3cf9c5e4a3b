import IntercomAPI

/// Per-ticket support metrics computed from the mirrored ticket parts (the `ticket_metrics` table). Times are unix
/// seconds, durations seconds, nil when the event never happened.
///
/// - A ticket starts in the state its first state change leaves (`previous_ticket_state`), or the state it is in
///   when no part changed it. A state part whose old and new state are equal (Intercom writes one at creation) is no
///   change.
/// - `seconds_<category>` adds up the completed stays in each state category: from entering it (or the ticket's
///   creation) to the next change. The stay in the current state is open-ended and not counted; `current_state_since`
///   says when it began, so a reader can add `now - current_state_since` itself.
/// - A reopen is a change out of `resolved`. Time to resolved runs from creation to the first and to the last change
///   into `resolved`.
/// - An admin reply is a `comment` by an admin with a body that is not blank; a contact reply a `comment` by a user,
///   lead or contact. Notes are neither.
public struct TicketMetrics: Sendable, Equatable {
    /// What the computation reads of a ticket part.
    public struct Part: Sendable {
        public var id: String
        public var partType: String?
        public var authorType: String?
        public var body: String?
        public var createdAt: Int?
        public var previousState: String?
        public var state: String?

        public init(id: String, partType: String?, authorType: String?, body: String? = nil, createdAt: Int?,
                    previousState: String? = nil, state: String? = nil) {
            self.id = id
            self.partType = partType
            self.authorType = authorType
            self.body = body
            self.createdAt = createdAt
            self.previousState = previousState
            self.state = state
        }

        var isStateChange: Bool { state != nil && state != previousState }
    }

    /// The state categories whose stays are summed.
    public static let stateCategories = ["submitted", "in_progress", "waiting_on_customer", "resolved"]

    public var values: [String: Int] = [:]
    public var currentStateCategory: String?
    public var partsTruncated = false

    public init(createdAt: Int?, stateCategory: String?, partsTruncated: Bool, parts unordered: [Part]) {
        let parts = ConversationMetrics.ordered(unordered).filter { $0.createdAt != nil }
        func set(_ name: String, _ value: Int?) { if let value { values[name] = value } }
        func since(_ end: Int?) -> Int? { if let createdAt, let end { end - createdAt } else { nil } }
        let changes = parts.filter(\.isStateChange)
        var current = changes.first?.previousState ?? stateCategory ?? "submitted"
        var enteredAt = createdAt
        var stays: [String: Int] = [:]
        for change in changes {
            if let enteredAt { stays[current, default: 0] += change.createdAt! - enteredAt }
            current = change.state!
            enteredAt = change.createdAt
        }
        for category in Self.stateCategories { set("seconds_\(category)", stays[category] ?? 0) }
        currentStateCategory = stateCategory ?? current
        set("current_state_since", enteredAt)
        let resolutions = changes.filter { $0.state == "resolved" }
        set("first_resolved_at", resolutions.first?.createdAt)
        set("last_resolved_at", resolutions.last?.createdAt)
        set("time_to_first_resolved", since(resolutions.first?.createdAt))
        set("time_to_last_resolved", since(resolutions.last?.createdAt))
        set("count_reopens", changes.filter { $0.previousState == "resolved" }.count)
        set("count_state_changes", changes.count)
        set("count_assignments", parts.filter { $0.partType == "assignment" }.count)
        set("count_parts", unordered.count)
        let comments = parts.filter { $0.partType == "comment" }
        let adminReplies = comments.filter { $0.authorType == "admin" && !($0.body.map(HTMLText.plain) ?? "").allSatisfy(\.isWhitespace) }
        set("count_admin_replies", adminReplies.count)
        set("count_contact_replies", comments.filter { ConversationMetrics.isContact($0.authorType) }.count)
        set("first_admin_reply_at", adminReplies.first?.createdAt)
        set("time_to_first_admin_reply", since(adminReplies.first?.createdAt))
        self.partsTruncated = partsTruncated
    }
}
