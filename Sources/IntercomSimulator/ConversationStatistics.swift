import IntercomAPI

/// Intercom's `statistics` object of a conversation, computed by the simulator from its own parts as the 2.16
/// description defines each field. The simulated workspace has no office hours, so nothing is subtracted from the
/// durations (Intercom subtracts the hours outside them).
public struct ConversationStatistics: Sendable, Equatable {
    public var firstContactReplyAt: Int?
    public var firstAssignmentAt: Int?
    public var firstAdminReplyAt: Int?
    public var firstCloseAt: Int?
    public var lastAssignmentAt: Int?
    public var lastAssignmentAdminReplyAt: Int?
    public var lastContactReplyAt: Int?
    public var lastAdminReplyAt: Int?
    public var lastCloseAt: Int?
    public var lastClosedById: String?
    public var timeToAssignment: Int?
    public var timeToAdminReply: Int?
    public var timeToFirstClose: Int?
    public var timeToLastClose: Int?
    public var medianTimeToReply: Int?
    public var countReopens = 0
    public var countAssignments = 0
    public var countConversationParts = 0

    /// The statistics of a conversation whose opening message a contact wrote (`contactOpened`) at `createdAt`.
    public init(createdAt: Int, contactOpened: Bool, parts: [SimPart]) {
        func byContact(_ p: SimPart) -> Bool { p.authorType == "user" || p.authorType == "lead" }
        func isReply(_ p: SimPart) -> Bool {
            p.authorType == "admin" && (p.partType == "comment" || p.partType.contains("assignment")) && !(p.body ?? "").isEmpty
        }
        countConversationParts = parts.count
        firstContactReplyAt = contactOpened ? createdAt : parts.first { $0.partType == "comment" && byContact($0) }?.createdAt
        guard let start = firstContactReplyAt else { return }
        var unanswered: Int? = contactOpened ? createdAt : nil
        lastContactReplyAt = unanswered
        var replyTimes: [Int] = []
        for p in parts where p.createdAt >= start {
            if p.partType == "comment" && byContact(p) {
                lastContactReplyAt = p.createdAt
                if unanswered == nil { unanswered = p.createdAt }
            }
            if p.partType.contains("assignment") {
                countAssignments += 1
                if firstAssignmentAt == nil { firstAssignmentAt = p.createdAt }
                lastAssignmentAt = p.createdAt
                lastAssignmentAdminReplyAt = nil
                if firstAdminReplyAt == nil { timeToAssignment = p.createdAt - start }
            }
            if isReply(p) {
                if firstAdminReplyAt == nil { firstAdminReplyAt = p.createdAt }
                if lastAssignmentAt != nil && lastAssignmentAdminReplyAt == nil { lastAssignmentAdminReplyAt = p.createdAt }
                lastAdminReplyAt = p.createdAt
                if let since = unanswered { replyTimes.append(p.createdAt - since); unanswered = nil }
            }
            if p.partType == "close" {
                if firstCloseAt == nil { firstCloseAt = p.createdAt }
                lastCloseAt = p.createdAt
                if p.authorType == "admin" { lastClosedById = p.authorId }
            }
            if p.partType == "open" { countReopens += 1 }
        }
        timeToAdminReply = firstAdminReplyAt.map { $0 - start }
        timeToFirstClose = firstCloseAt.map { $0 - start }
        timeToLastClose = lastCloseAt.map { $0 - start }
        medianTimeToReply = replyTimes.isEmpty ? nil : replyTimes.sorted()[(replyTimes.count - 1) / 2]
    }

    /// The object as the API serves it.
    var json: JSON {
        .object([
            ("type", .string("conversation_statistics")),
            ("time_to_assignment", .int(timeToAssignment)), ("time_to_admin_reply", .int(timeToAdminReply)),
            ("time_to_first_close", .int(timeToFirstClose)), ("time_to_last_close", .int(timeToLastClose)),
            ("median_time_to_reply", .int(medianTimeToReply)), ("first_contact_reply_at", .int(firstContactReplyAt)),
            ("first_assignment_at", .int(firstAssignmentAt)), ("first_admin_reply_at", .int(firstAdminReplyAt)),
            ("first_close_at", .int(firstCloseAt)), ("last_assignment_at", .int(lastAssignmentAt)),
            ("last_assignment_admin_reply_at", .int(lastAssignmentAdminReplyAt)),
            ("last_contact_reply_at", .int(lastContactReplyAt)), ("last_admin_reply_at", .int(lastAdminReplyAt)),
            ("last_close_at", .int(lastCloseAt)), ("last_closed_by_id", .string(lastClosedById)),
            ("count_reopens", .int(countReopens)), ("count_assignments", .int(countAssignments)),
            ("count_conversation_parts", .int(countConversationParts)),
        ])
    }
}
