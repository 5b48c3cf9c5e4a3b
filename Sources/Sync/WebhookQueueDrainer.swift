import Foundation
import IntercomAPI
import Logging
import MirrorStore

/// The leader's side of the webhook queue replicas share (PostgreSQL): takes the notifications any replica verified
/// and queued, oldest first, into this process's inbox, whose worker applies each once (an applied notification leaves
/// the queue in the transaction that applied it; `webhook_deliveries` skips a repeat). A new leader starts from the
/// queue's head, so what a dead leader had not applied is applied by the next.
public struct WebhookQueueDrainer: Sendable {
    let store: MirrorDatabase
    let inbox: NotificationInbox
    let logger: Logger
    /// 100 ms between looks: a webhook is readable through every replica well within 2 s of its delivery.
    let pollInterval: Duration

    /// Queued notifications are kept a day at most: one whose re-fetch kept failing is left to the next poll.
    static var retention: Int { 86_400 }

    public init(store: MirrorDatabase, inbox: NotificationInbox, pollInterval: Duration = .milliseconds(100), logger: Logger) {
        self.store = store
        self.inbox = inbox
        self.pollInterval = pollInterval
        self.logger = logger
    }

    /// Runs until cancelled (leadership lost, or shutdown).
    public func run() async {
        var last: Int64 = 0
        try? await store.pruneWebhookQueue(before: Int(Date().timeIntervalSince1970) - Self.retention)
        while !Task.isCancelled {
            do {
                let queued = try await store.queuedWebhooks(after: last)
                for (seq, body) in queued {
                    last = seq
                    guard let notification = try? IntercomNotification(body: body) else { continue }
                    _ = inbox.receive(notification, at: Int(Date().timeIntervalSince1970), counting: false)
                }
                if !queued.isEmpty { continue }
            } catch {
                logger.warning("cannot read the webhook queue", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: pollInterval)
        }
    }
}
