import IntercomAPI
import Logging
import ReadAPI
import ServiceLifecycle
import Sync

/// The webhook receiver and its worker, on when a client secret is set (`INTERCOM_CLIENT_SECRET`).
struct WebhookSetup {
    let receiver: WebhookReceiver?
    let services: [any Service]

    init(secret: String?, engine: SyncEngine, logger: Logger) {
        guard let secret, !secret.isEmpty else {
            receiver = nil
            services = []
            logger.notice("webhooks off: POST /webhooks/intercom answers 404; set INTERCOM_CLIENT_SECRET to receive Intercom's webhooks")
            return
        }
        let inbox = NotificationInbox()
        receiver = WebhookReceiver(secret: secret, inbox: inbox)
        services = [WebhookWorker(engine: engine, inbox: inbox, logger: logger)]
        logger.notice("webhooks on: POST /webhooks/intercom verifies X-Hub-Signature and re-fetches each item it names")
    }
}
