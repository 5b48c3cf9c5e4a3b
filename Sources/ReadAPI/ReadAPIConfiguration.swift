import Foundation
import IntercomAPI
import MirrorStore

/// What the read API needs beyond the mirror: its keys, the query budget, and the webhook receiver if it is on.
public struct ReadAPIConfiguration: Sendable {
    /// Keys accepted in `Authorization: Bearer KEY`, or as the password of HTTP Basic auth (the page in a browser); empty means no auth (refused on non-loopback addresses unless
    /// the operator says otherwise).
    public var apiKeys: [String]
    /// The time budget of one query.
    public var queryBudget: Duration
    /// `POST /webhooks/intercom`, when a client secret is configured; nil answers that route 404.
    public var webhooks: WebhookReceiver?
    /// The running sync's view of Intercom (a rejected token, the workspace), when the sync runs in this process.
    public var syncHealth: SyncHealth?
    /// This replica and whether it leads, for `/sync` (`serve`).
    public var replica: ReplicaState?
    /// For tests of the one failure a streamed export can have after its 200: the stream fails, as a later page past
    /// its budget would, once this many pages are written.
    package var streamFailsAfterPages: Int?
    /// The page's clock in unix seconds (its window ends today); tests pin it.
    package var clock: @Sendable () -> Int = { Int(Date().timeIntervalSince1970) }

    public init(apiKeys: [String] = [], queryBudget: Duration = .seconds(1), webhooks: WebhookReceiver? = nil,
                syncHealth: SyncHealth? = nil) {
        self.apiKeys = apiKeys
        self.queryBudget = queryBudget
        self.webhooks = webhooks
        self.syncHealth = syncHealth
    }

    /// Parses `INTERCACHE_API_KEYS`: a comma list; blanks are ignored.
    public static func keys(from text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// The webhook receiver's secret and the inbox it hands verified notifications to.
public struct WebhookReceiver: Sendable, CustomStringConvertible {
    /// The app's client secret (`INTERCOM_CLIENT_SECRET`), the HMAC key of `X-Hub-Signature`. Never logged.
    let secret: String
    public let inbox: NotificationInbox
    /// Replicas sharing a PostgreSQL mirror: queues a verified notification (id, body) in the database for the leader,
    /// false when it was queued before. Nil hands it to this process's inbox.
    public let queue: (@Sendable (String, [UInt8]) async throws -> Bool)?

    public init(secret: String, inbox: NotificationInbox, queue: (@Sendable (String, [UInt8]) async throws -> Bool)? = nil) {
        self.secret = secret
        self.inbox = inbox
        self.queue = queue
    }

    /// Redacted, so logging a configuration never prints the secret.
    public var description: String { "WebhookReceiver(secret: <redacted>)" }
}
