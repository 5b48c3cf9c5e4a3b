import IntercomAPI
import Logging
import MirrorStore
import ReadAPI
import ServiceLifecycle
import Sync

/// The webhook receiver and its worker, on when a client secret is set (`INTERCOM_CLIENT_SECRET`).
struct WebhookSetup {
    let receiver: WebhookReceiver?
    let services: [any Service]

    /// The inbox the worker applies from, when webhooks are on (replicas' leaders feed it from the shared queue).
    var inbox: NotificationInbox? { receiver?.inbox }

    init(secret: String?, engine: SyncEngine, replica: String, logger: Logger) {
        guard let secret, !secret.isEmpty else {
            receiver = nil
            services = []
            logger.notice("webhooks off: POST /webhooks/intercom answers 404; set INTERCOM_CLIENT_SECRET to receive Intercom's webhooks")
            return
        }
        let inbox = NotificationInbox()
        let store = engine.store
        // Replicas share a PostgreSQL mirror: a webhook is queued in the database, for whichever replica leads.
        let queue: (@Sendable (String, [UInt8]) async throws -> Bool)? = store.isShared
            ? { @Sendable id, body in try await store.enqueueWebhook(id: id, body: body, replica: replica) } : nil
        receiver = WebhookReceiver(secret: secret, inbox: inbox, queue: queue)
        services = [WebhookWorker(engine: engine, inbox: inbox, logger: logger)]
        logger.notice("webhooks on: POST /webhooks/intercom verifies X-Hub-Signature and re-fetches each item it names")
    }
}
