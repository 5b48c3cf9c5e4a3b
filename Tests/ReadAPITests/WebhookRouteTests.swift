import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntercomAPI
import MirrorStore
import NIOCore
import ReadAPI
import TestSupport
import Testing

/// `POST /webhooks/intercom`: the signature gate, the queue hand-off, and the counters `/sync` and `/metrics` show.
@Suite struct WebhookRouteTests {
    static let secret = "client-secret-for-tests"

    static func notification(id: String, topic: String = "contact.user.updated", item: String = "6543") -> [UInt8] {
        JSON.object([
            ("type", .string("notification_event")), ("app_id", .string("app")), ("id", .string(id)), ("topic", .string(topic)),
            ("created_at", .int(1_790_000_000)), ("delivery_attempts", .int(1)), ("first_sent_at", .int(1_790_000_000)),
            ("data", .object([("type", .string("notification_event_data")),
                              ("item", .object([("type", .string("contact")), ("id", .string(item))]))])),
        ]).encoded()
    }

    static func configuration(_ inbox: NotificationInbox, apiKeys: [String] = []) -> ReadAPIConfiguration {
        ReadAPIConfiguration(apiKeys: apiKeys, queryBudget: .seconds(30), webhooks: WebhookReceiver(secret: secret, inbox: inbox))
    }

    static func post(_ client: any TestClientProtocol, _ body: [UInt8], signature: String?, path: String = "/webhooks/intercom")
        async throws -> (HTTPResponse.Status, JSON, HTTPFields) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let signature { headers[HTTPField.Name("X-Hub-Signature")!] = signature }
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: body)) { response in
            (response.status, response.body.readableBytes == 0 ? .null : try JSON.parse(response.body.readableBytesView), response.headers)
        }
    }

    @Test(arguments: TestEngine.all)
    func aSignedNotificationIsQueuedAndARepeatChangesNothing(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        let inbox = NotificationInbox()
        try await mirror.withAPI(Self.configuration(inbox)) { client in
            let body = Self.notification(id: "notif_a")
            let signature = WebhookSignature.sign(body, secret: Self.secret)
            let (status, receipt, _) = try await Self.post(client, body, signature: signature)
            #expect(status == .ok, "\(receipt.text)")
            #expect(receipt["status"] == .string("queued"))
            // Intercom's retry of the same notification: accepted (so Intercom stops), and not queued again.
            let (again, repeatReceipt, _) = try await Self.post(client, body, signature: signature)
            #expect(again == .ok)
            #expect(repeatReceipt["status"] == .string("duplicate"))
            #expect(inbox.counters.pending == 1)
            #expect(inbox.take(NotificationHint(kind: .contact, id: "6543")).map(\.id) == ["notif_a"])
        }
    }

    @Test(arguments: TestEngine.all)
    func aWrongOrMissingSignatureGets401AndQueuesNothing(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        let inbox = NotificationInbox()
        let before = try await MirrorReader(store: mirror.store).generation()
        try await mirror.withAPI(Self.configuration(inbox)) { client in
            let body = Self.notification(id: "notif_b")
            let wrong = WebhookSignature.sign(body, secret: "not-the-secret")
            let (status, error, _) = try await Self.post(client, body, signature: wrong)
            #expect(status == .unauthorized)
            #expect(errorCode(error) == "bad_signature")
            let (missing, missingError, _) = try await Self.post(client, body, signature: nil)
            #expect(missing == .unauthorized)
            #expect(errorCode(missingError) == "bad_signature")
            // A signature of another body does not carry over to this one.
            let tampered = Self.notification(id: "notif_b", item: "9999")
            let (moved, _, _) = try await Self.post(client, tampered, signature: WebhookSignature.sign(body, secret: Self.secret))
            #expect(moved == .unauthorized)
        }
        let c = inbox.counters
        #expect(c.received == 0)
        #expect(c.pending == 0)
        #expect(c.rejected == ["bad_signature": 2, "missing_signature": 1])
        #expect(try await MirrorReader(store: mirror.store).generation() == before, "nothing was written")
    }

    @Test(arguments: TestEngine.all)
    func signedButMalformedBodiesAndUnknownTopics(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        let inbox = NotificationInbox()
        try await mirror.withAPI(Self.configuration(inbox)) { client in
            let junk = Array(#"{"hello":"world"}"#.utf8)
            let (status, error, _) = try await Self.post(client, junk, signature: WebhookSignature.sign(junk, secret: Self.secret))
            #expect(status == .badRequest)
            #expect(errorCode(error) == "bad_payload")
            let ping = Self.notification(id: "notif_p", topic: "visitor.signed_up")
            let (ok, receipt, _) = try await Self.post(client, ping, signature: WebhookSignature.sign(ping, secret: Self.secret))
            #expect(ok == .ok)
            #expect(receipt["status"] == .string("ignored"))
        }
        #expect(inbox.counters.rejected == ["malformed": 1])
        #expect(inbox.counters.ignored == 1)
        #expect(inbox.counters.pending == 0)
    }

    @Test(arguments: TestEngine.all)
    func withoutASecretTheRouteIsOff(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        try await mirror.withAPI { client in
            let body = Self.notification(id: "notif_c")
            let (status, error, _) = try await Self.post(client, body, signature: WebhookSignature.sign(body, secret: Self.secret))
            #expect(status == .notFound)
            #expect(errorCode(error) == "route_not_found")
            let (sync, syncBody, _) = try await client.getJSON("/sync")
            #expect(sync == .ok)
            #expect(syncBody["webhooks"]?["enabled"] == .bool(false))
        }
    }

    @Test(arguments: TestEngine.all)
    func webhooksNeedNoAPIKeyButOtherMethodsAreRefused(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        let inbox = NotificationInbox()
        try await mirror.withAPI(Self.configuration(inbox, apiKeys: ["k1"])) { client in
            let body = Self.notification(id: "notif_d")
            let (status, _, _) = try await Self.post(client, body, signature: WebhookSignature.sign(body, secret: Self.secret))
            #expect(status == .ok, "Intercom cannot send a bearer key; the signature is the authentication")
            let (get, error, headers) = try await client.getJSON("/webhooks/intercom")
            #expect(get == .methodNotAllowed)
            #expect(errorCode(error) == "method_not_allowed")
            #expect(headers[.allow] == "POST")
            let (other, _, _) = try await Self.post(client, body, signature: WebhookSignature.sign(body, secret: Self.secret), path: "/contacts")
            #expect(other == .methodNotAllowed, "POST stays refused everywhere else")
        }
    }

    @Test(arguments: TestEngine.all)
    func syncAndMetricsReportTheCounters(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        let inbox = NotificationInbox()
        try await mirror.withAPI(Self.configuration(inbox)) { client in
            for id in ["notif_e1", "notif_e2"] {
                let body = Self.notification(id: id, item: id)
                _ = try await Self.post(client, body, signature: WebhookSignature.sign(body, secret: Self.secret))
            }
            _ = try await Self.post(client, Self.notification(id: "notif_e3"), signature: "sha1=00")
            let hint = NotificationHint(kind: .contact, id: "notif_e1")
            #expect(inbox.take(hint).count == 1)
            inbox.finished(hint, applied: 1, at: 1_790_000_100)
            let (_, sync, _) = try await client.getJSON("/sync")
            let webhooks = try #require(sync["webhooks"])
            #expect(webhooks["enabled"] == .bool(true))
            #expect(webhooks["received"] == .int(2))
            #expect(webhooks["rejected"] == .int(1))
            #expect(webhooks["applied"] == .int(1))
            #expect(webhooks["pending"] == .int(1))
            let contacts = try #require(sync["data"]?.arrayValue?.first { $0["resource"] == .string("contacts") })
            #expect(contacts["webhooks"]?["received"] == .int(2))
            #expect(contacts["webhooks"]?["applied"] == .int(1))
            #expect(contacts["newest_change_at"]?.intValue != nil)
            let (_, metrics, _) = try await client.getText("/metrics")
            #expect(metrics.contains("intercache_webhooks_received_total 2"))
            #expect(metrics.contains("intercache_webhooks_rejected_total{reason=\"bad_signature\"} 1"))
            #expect(metrics.contains("intercache_webhooks_applied_total{resource=\"contacts\"} 1"))
        }
    }
}
