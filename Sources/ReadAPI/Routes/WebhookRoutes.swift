import Foundation
import HTTPTypes
import Hummingbird
import IntercomAPI
import Logging
import NIOCore

/// `POST /webhooks/intercom`: verifies Intercom's signature over the raw body, hands the notification to the inbox
/// and answers at once; the re-fetch happens in the webhook worker, so the answer comes well inside Intercom's 5 s.
/// A missing or wrong signature gets 401 and nothing is queued. With no secret configured the route answers 404.
struct WebhookRoutes<Context: RequestContext>: Sendable {
    let receiver: WebhookReceiver?

    static var path: String { "/webhooks/intercom" }
    /// Intercom's notifications are a few kilobytes; a megabyte leaves room for a conversation with many parts.
    static var maxBodyBytes: Int { 1 << 20 }
    static var signatureField: HTTPField.Name { HTTPField.Name(WebhookSignature.headerName)! }

    func addRoutes(to router: Router<Context>) {
        router.post(RouterPath(Self.path)) { request, context in try await receive(request, logger: context.logger) }
    }

    func receive(_ request: Request, logger: Logger) async throws -> Response {
        guard let receiver else { throw APIError.routeNotFound }
        let inbox = receiver.inbox
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maxBodyBytes)
        } catch {
            inbox.reject("too_large")
            throw APIError.payloadTooLarge(Self.maxBodyBytes)
        }
        let body = Array(buffer: buffer)
        guard let signature = request.headers[Self.signatureField] else {
            inbox.reject("missing_signature")
            throw APIError.badSignature("The request has no X-Hub-Signature header.")
        }
        guard WebhookSignature.isValid(signature, body: body, secret: receiver.secret) else {
            inbox.reject("bad_signature")
            throw APIError.badSignature("X-Hub-Signature does not match the body.")
        }
        let notification: IntercomNotification
        do {
            notification = try IntercomNotification(body: body)
        } catch {
            inbox.reject("malformed")
            throw APIError(.badRequest, "bad_payload", "The signed body is not an Intercom notification: \(error).")
        }
        if let queue = receiver.queue {
            // Durable before the 200: Intercom retries a delivery that was not acknowledged, never one that was.
            let fresh = try await queue(notification.id, body)
            inbox.countQueued(duplicate: !fresh, at: Int(Date().timeIntervalSince1970))
            return .json(.object([("status", .string(fresh ? "queued" : "duplicate")), ("id", .string(notification.id)),
                                  ("topic", .string(notification.topic))]))
        }
        let receipt = inbox.receive(notification, at: Int(Date().timeIntervalSince1970))
        switch receipt {
        case .ignored:
            logger.info("webhook topic ignored", metadata: ["topic": "\(notification.topic)", "notification": "\(notification.id)"])
        case .overflowed:
            logger.warning("webhook queue full; the next poll will pick the change up", metadata: ["topic": "\(notification.topic)"])
        case .queued, .merged, .duplicate:
            break
        }
        return .json(.object([("status", .string(receipt.rawValue)), ("id", .string(notification.id)),
                              ("topic", .string(notification.topic))]))
    }
}
