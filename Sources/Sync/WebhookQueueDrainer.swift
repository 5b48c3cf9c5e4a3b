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

    /// Looks at most this far apart while the queue cannot be read (the database is down): the look that fails
    /// returns at once, and at 100 ms apart it logged ten warnings a second for as long as the outage lasted.
    static var maxBackoff: Duration { .seconds(5) }

    /// Runs until cancelled (leadership lost, or shutdown).
    public func run() async {
        var last: Int64 = 0
        var failures = 0
        try? await store.pruneWebhookQueue(before: Int(Date().timeIntervalSince1970) - Self.retention)
        while !Task.isCancelled {
            do {
                let queued = try await store.queuedWebhooks(after: last)
                if failures > 0 {
                    logger.notice("reading the webhook queue again", metadata: ["failed_looks": "\(failures)"])
                    failures = 0
                }
                for (seq, body) in queued {
                    last = seq
                    guard let notification = try? IntercomNotification(body: body) else { continue }
                    _ = inbox.receive(notification, at: Int(Date().timeIntervalSince1970), counting: false)
                }
                if !queued.isEmpty { continue }
            } catch {
                // Once per outage; the looks back off, doubling, to `maxBackoff`.
                if failures == 0 { logger.warning("cannot read the webhook queue", metadata: ["error": "\(error)"]) }
                failures += 1
            }
            try? await Task.sleep(for: Self.wait(afterFailures: failures, poll: pollInterval))
        }
    }

    /// The time to the next look after `failures` failed looks in a row.
    static func wait(afterFailures failures: Int, poll: Duration) -> Duration {
        guard failures > 0 else { return poll }
        return min(poll * (1 << min(failures, 16)), maxBackoff)
    }
}
