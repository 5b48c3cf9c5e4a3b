import Foundation
import IntercomAPI
import Logging
import Metrics
import ServiceLifecycle

/// Applies webhook hints as they arrive, beside the scheduler in the same ServiceGroup. A hint that fails (Intercom
/// down, rate limit exhausted) is counted and dropped: webhooks are hints, and the next poll repairs the item.
public struct WebhookWorker: Service {
    let engine: SyncEngine
    let inbox: NotificationInbox
    let concurrency: Int
    let logger: Logger

    /// Applied notification ids are kept a week: far past Intercom's one retry a minute later.
    static var deliveryRetention: Int { 7 * 86_400 }

    /// `concurrency` re-fetches in flight at most: 4 keeps a burst of webhooks from starving the scheduler's pages
    /// of the shared rate-limit budget.
    public init(engine: SyncEngine, inbox: NotificationInbox, concurrency: Int = 4, logger: Logger) {
        self.engine = engine
        self.inbox = inbox
        self.concurrency = max(1, concurrency)
        self.logger = logger
    }

    public func run() async throws {
        try? await engine.pruneWebhookDeliveries(olderThan: Self.deliveryRetention)
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                var running = 0
                for await hint in inbox.hints {
                    if running == concurrency {
                        await group.next()
                        running -= 1
                    }
                    group.addTask { await apply(hint) }
                    running += 1
                }
            }
        }
    }

    /// Applies one hint and records it in the inbox's counters (which `/sync` and `/metrics` report), the log, and the
    /// delay histogram.
    func apply(_ hint: NotificationHint) async {
        let notifications = inbox.take(hint)
        guard !notifications.isEmpty else { return }
        let dimensions = [("resource", hint.kind.resource)]
        do {
            let result = try await engine.applyHint(hint, notifications: notifications)
            // Read after the write: the delay from Intercom's notification to the change being readable is the freshness
            // webhooks buy.
            let now = Int(Date().timeIntervalSince1970)
            inbox.finished(hint, applied: result.applied, repeated: result.repeated, at: now)
            for notification in notifications {
                guard let created = notification.createdAt else { continue }
                Recorder(label: "intercache_webhook_apply_delay_seconds", dimensions: dimensions).record(Double(max(0, now - created)))
            }
            logger.debug("webhook applied", metadata: ["resource": "\(hint.kind.resource)", "id": "\(hint.id)",
                                                       "outcome": "\(result.outcome)", "notifications": "\(notifications.count)"])
        } catch {
            inbox.finished(hint, applied: 0, failed: notifications.count, at: Int(Date().timeIntervalSince1970))
            logger.warning("webhook re-fetch failed; the next poll repairs it",
                           metadata: ["resource": "\(hint.kind.resource)", "id": "\(hint.id)", "error": "\(error)"])
        }
    }
}
