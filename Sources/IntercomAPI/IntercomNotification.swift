/// One Intercom webhook delivery (`type: notification_event`), reduced to what a mirror acts on: the item to re-fetch.
/// The payload's copy of the item is never written: deliveries arrive late, twice or out of order, and only a fresh
/// `GET` says what the item is now.
public struct IntercomNotification: Sendable, Equatable {
    /// Intercom's notification id, the same on a retry or a duplicate delivery.
    public var id: String
    public var topic: String
    /// When Intercom created the notification (unix seconds): the change it reports happened by then.
    public var createdAt: Int?
    public var deliveryAttempts: Int
    /// The mirrored item the topic is about, or nil for topics the mirror does not act on.
    public var hint: NotificationHint?

    public init(id: String, topic: String, createdAt: Int?, deliveryAttempts: Int = 1, hint: NotificationHint?) {
        self.id = id
        self.topic = topic
        self.createdAt = createdAt
        self.deliveryAttempts = deliveryAttempts
        self.hint = hint
    }

    /// Why a signed body is still not a notification.
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notJSON
        case notANotification(String)

        public var description: String {
            switch self {
            case .notJSON: "the body is not JSON"
            case let .notANotification(what): "the body is not an Intercom notification_event: \(what)"
            }
        }
    }

    /// Parses Intercom's envelope `{type:"notification_event", id, topic, created_at, delivery_attempts, data:{item}}`.
    public init(body: [UInt8]) throws(ParseError) {
        guard let json = try? JSON.parse(body) else { throw .notJSON }
        guard json["type"]?.stringValue == "notification_event" else { throw .notANotification("type is not notification_event") }
        guard let id = json["id"]?.stringValue, !id.isEmpty else { throw .notANotification("no id") }
        guard let topic = json["topic"]?.stringValue, !topic.isEmpty else { throw .notANotification("no topic") }
        self.init(id: id, topic: topic, createdAt: json["created_at"]?.intValue,
                  deliveryAttempts: json["delivery_attempts"]?.intValue ?? 1,
                  hint: NotificationHint(topic: topic, item: json["data"]?["item"] ?? .null))
    }
}

/// The mirrored item a notification is about: re-fetch it, and if it is gone, record why.
public struct NotificationHint: Sendable, Hashable {
    /// The kinds of item a webhook can make the mirror re-fetch.
    public enum Kind: String, Sendable, CaseIterable {
        case contact, company, conversation, ticket

        /// The mirror table (and `/sync` resource) of this kind.
        public var resource: String {
            switch self {
            case .contact: "contacts"
            case .company: "companies"
            case .conversation: "conversations"
            case .ticket: "tickets"
            }
        }
    }

    public var kind: Kind
    public var id: String

    public init(kind: Kind, id: String) {
        self.kind = kind
        self.id = id
    }

    /// Ids become URL paths of re-fetches, so only Intercom's id alphabet is accepted.
    public static func isPlainID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
        }
    }

    /// The item of `topic`, or nil when the mirror does not act on it (`ping`, visitors, unknown topics).
    /// Topics are matched by their first word, so new variants (`contact.lead.updated`) need no change here;
    /// `conversation_part.*` items name their conversation.
    public init?(topic: String, item: JSON) {
        let family = topic.split(separator: ".").first.map(String.init) ?? topic
        let itemType = item["type"]?.stringValue
        let kind: Kind, id: String
        switch family {
        case "contact", "user":
            guard itemType != "visitor", let value = item["id"]?.stringValue else { return nil }
            (kind, id) = (.contact, value)
        case "company":
            guard let value = item["id"]?.stringValue else { return nil }
            (kind, id) = (.company, value)
        case "conversation":
            guard let value = item["id"]?.stringValue ?? item["id"]?.intValue.map(String.init) else { return nil }
            (kind, id) = (.conversation, value)
        case "ticket":
            guard let value = item["id"]?.stringValue ?? item["id"]?.intValue.map(String.init) else { return nil }
            (kind, id) = (.ticket, value)
        case "conversation_part":
            guard let value = item["conversation_id"]?.stringValue ?? item["conversation"]?["id"]?.stringValue else { return nil }
            (kind, id) = (.conversation, value)
        default:
            return nil
        }
        guard Self.isPlainID(id) else { return nil }
        self.init(kind: kind, id: id)
    }

    /// The API path that re-fetches the item.
    public var path: String {
        switch kind {
        case .contact: "/contacts/\(id)"
        case .company: "/companies/\(id)"
        case .conversation: "/conversations/\(id)"
        case .ticket: "/tickets/\(id)"
        }
    }

    /// Why the item is gone when a re-fetch finds nothing, as the `deletions` table records it.
    public static func deletionReason(topic: String) -> String {
        switch topic {
        case "contact.deleted", "company.deleted", "conversation.deleted", "user.deleted", "ticket.deleted": "deleted"
        case "contact.archived": "archived"
        case "contact.merged": "merged"
        default: "not_found"
        }
    }
}
