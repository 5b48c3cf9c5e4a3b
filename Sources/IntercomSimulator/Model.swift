import IntercomAPI
/// A teammate of the simulated workspace.
public struct SimAdmin: Sendable {
    public var id: String
    public var name: String
    public var email: String
    public var jobTitle: String
    public var awayModeEnabled: Bool
    public var hasInboxSeat: Bool
    public var teamIds: [String]
}

/// A team of admins.
public struct SimTeam: Sendable {
    public var id: String
    public var name: String
    public var adminIds: [String]
}

/// A tag that can be applied to contacts, companies and conversations.
public struct SimTag: Sendable {
    public var id: String
    public var name: String
}

/// A segment of contacts or companies.
public struct SimSegment: Sendable {
    public var id: String
    public var name: String
    public var createdAt: Int
    public var updatedAt: Int
    public var personType: String
}

/// Where a record stands: alive, or gone in one of Intercom's ways.
public enum RecordState: Sendable, Equatable {
    case active
    case archived
    case deleted
    case merged(into: String)
}

/// A company of the simulated workspace.
public struct SimCompany: Sendable {
    public var seq: Int
    public var id: String
    public var companyId: String
    public var name: String
    public var plan: (id: String, name: String)?
    public var createdAt: Int
    public var remoteCreatedAt: Int
    public var updatedAt: Int
    public var lastRequestAt: Int?
    public var size: Int
    public var website: String?
    public var industry: String?
    public var monthlySpend: Int
    public var sessionCount: Int
    public var customAttributes: [(String, JSON)]
    public var tagIds: [String]
    public var segmentIds: [String]
    public var state: RecordState = .active
}

/// A note an admin left on a contact.
public struct SimNote: Sendable {
    public var id: String
    public var contactId: String
    public var createdAt: Int
    public var authorId: String
    public var body: String
}

/// A contact (user or lead) of the simulated workspace.
public struct SimContact: Sendable {
    public var seq: Int
    public var id: String
    public var externalId: String?
    public var role: String
    public var email: String?
    public var phone: String?
    public var name: String?
    public var ownerId: String?
    public var hasHardBounced: Bool
    public var markedEmailAsSpam: Bool
    public var unsubscribedFromEmails: Bool
    public var createdAt: Int
    public var updatedAt: Int
    public var signedUpAt: Int?
    public var lastSeenAt: Int?
    public var lastRepliedAt: Int?
    public var lastContactedAt: Int?
    public var browser: String?
    public var os: String?
    public var languageOverride: String?
    public var avatarURL: String?
    public var locationCountry: String?
    public var locationRegion: String?
    public var locationCity: String?
    public var socialProfiles: [(name: String, url: String)]
    public var customAttributes: [(String, JSON)]
    public var tagIds: [String]
    public var companyIds: [String]
    public var segmentIds: [String]
    public var noteIds: [String]
    public var state: RecordState = .active
    /// Simulator wall time of the last change, for the search index lag.
    public var changedAt: Int = 0
}

/// One message or event of a conversation.
public struct SimPart: Sendable {
    public var id: String
    public var partType: String
    public var body: String?
    public var createdAt: Int
    public var authorType: String
    public var authorId: String
    /// Whom an assignment part assigns the conversation to (`admin` or `team`).
    public var assignedTo: (type: String, id: String)?
    public var attachmentCount: Int
    public var redacted: Bool
}

/// A conversation; its seeded parts are generated on demand from `partSeed`.
public struct SimConversation: Sendable {
    public var seq: Int
    public var id: String
    public var title: String?
    public var createdAt: Int
    public var updatedAt: Int
    public var waitingSince: Int?
    public var snoozedUntil: Int?
    public var state: String
    public var read: Bool
    public var priority: String
    public var adminAssigneeId: String?
    public var teamAssigneeId: String?
    public var tagIds: [String]
    public var contactIds: [String]
    public var companyId: String?
    public var customAttributes: [(String, JSON)]
    public var sourceSubject: String
    public var sourceBody: String
    public var sourceAuthorType: String
    public var sourceAuthorId: String
    public var deliveredAs: String
    /// How many seeded parts the conversation has; they are generated from `partSeed` when read.
    public var seededPartCount: Int
    public var partSeed: UInt64
    /// Where the seeded parts lead; they are generated from it, never from the conversation's current fields.
    public var seededOutcome: SeededOutcome
    /// The statistics of the seeded parts alone, computed once when the workspace is built.
    public var seededStatistics: ConversationStatistics?
    /// The contact's rating, once a closed conversation was rated.
    public var rating: SimRating?
    /// Parts added through the control surface, after the seeded ones.
    public var addedParts: [SimPart] = []
    public var deletedAt: Int?
    public var changedAt: Int = 0

    public var partCount: Int { seededPartCount + addedParts.count }
}

/// A contact's rating of a conversation, and the teammate it rates.
public struct SimRating: Sendable {
    public var rating: Int
    public var remark: String
    public var createdAt: Int
    public var contactId: String
    public var teammateId: String?
}

/// A help-center article.
public struct SimArticle: Sendable {
    public var id: String
    public var title: String
    public var body: String
    public var authorId: String
    public var state: String
    public var createdAt: Int
    public var updatedAt: Int
}

/// A custom data attribute definition.
public struct SimDataAttribute: Sendable {
    public var id: Int?
    public var model: String
    public var name: String
    public var dataType: String
    public var custom: Bool
}
