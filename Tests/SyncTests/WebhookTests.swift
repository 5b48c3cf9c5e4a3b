import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import IntercomAPI
import IntercomSimulator
import Logging
import MirrorStore
import ReadAPI
import Sync
import Testing

/// A rig whose read API is live with its webhook worker running, and whose simulator sends its webhooks there.
func withWebhookRig<T: Sendable>(_ body: @Sendable (SyncRig, NotificationInbox) async throws -> T) async throws -> T {
    try await withRig { rig in
        var logger = Logger(label: "webhook-test")
        logger.logLevel = .critical
        let inbox = NotificationInbox()
        let secret = "rig-client-secret"
        let router = ReadAPI.buildRouter(store: rig.store, configuration: ReadAPIConfiguration(webhooks: WebhookReceiver(secret: secret, inbox: inbox)))
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        let quiet = logger
        return try await app.test(.live) { api in
            rig.workspace.webhooks.configure { w in
                w.url = "http://127.0.0.1:\(api.port!)/webhooks/intercom"
                w.secret = secret
            }
            let worker = Task { try await WebhookWorker(engine: rig.engine, inbox: inbox, logger: quiet).run() }
            do {
                let result = try await body(rig, inbox)
                worker.cancel()
                _ = await worker.result
                return result
            } catch {
                worker.cancel()
                _ = await worker.result
                throw error
            }
        }
    }
}

/// Waits for `condition`, polling; records an issue naming `what` if it does not hold within `seconds`.
func eventually(_ what: String, seconds: Double = 20, _ condition: @Sendable () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(25))
    }
    Issue.record("timed out waiting until \(what)")
}

extension SyncRig {
    func value<T: DatabaseValueConvertible & Sendable>(_ sql: String, _ arguments: StatementArguments = []) async throws -> T? {
        try await store.read { db in try T.fetchOne(db, sql: sql, arguments: arguments) }
    }

    func calls(_ endpoint: String) -> Int { workspace.counters.byEndpoint[endpoint] ?? 0 }
}

@Suite(.serialized) struct WebhookTests {
    @Test func aHintMakesTheMirrorRefetchTheItem() async throws {
        try await withWebhookRig { rig, inbox in
            try await rig.sync(full: true)
            let contact: String = try #require(try await rig.value("SELECT id FROM contacts WHERE role = 'user' ORDER BY id LIMIT 1"))
            let fetches = rig.calls("GET /contacts/{id}")
            try await rig.control(.get, "/contacts/\(contact)", .object([("name", .string("Seen Via Webhook"))]), verb: "PATCH")
            try await eventually("the renamed contact is in the mirror") {
                try await rig.value("SELECT name FROM contacts WHERE id = ?", [contact]) == "Seen Via Webhook"
            }
            #expect(rig.calls("GET /contacts/{id}") == fetches + 1, "the item was re-fetched, not taken from the payload")
            let topic: String? = try await rig.value("SELECT topic FROM webhook_deliveries WHERE item_id = ?", [contact])
            #expect(topic == "contact.user.updated")

            let conversation: String = try #require(try await rig.value("SELECT id FROM conversations ORDER BY id LIMIT 1"))
            let held: Int = try #require(try await rig.value("SELECT COUNT(*) FROM conversation_parts WHERE conversation_id = ?", [conversation]))
            try await rig.control(.post, "/conversations/\(conversation)/parts", .object([("count", .int(2)), ("author_type", .string("user"))]))
            try await eventually("the two new parts are in the mirror") {
                try await rig.value("SELECT COUNT(*) FROM conversation_parts WHERE conversation_id = ?", [conversation]) == held + 2
            }

            let company: String = try #require(try await rig.value("SELECT id FROM companies ORDER BY id LIMIT 1"))
            try await rig.control(.get, "/companies/\(company)", .object([("name", .string("Webhook & Co"))]), verb: "PATCH")
            try await eventually("the renamed company is in the mirror") {
                try await rig.value("SELECT name FROM companies WHERE id = ?", [company]) == "Webhook & Co"
            }
            #expect(inbox.counters.applied == 3)
            #expect(inbox.counters.failed == 0)
            #expect(try await differences(rig) == [])
        }
    }

    @Test func aDroppedWebhookIsRepairedByTheNextPoll() async throws {
        try await withWebhookRig { rig, inbox in
            try await rig.sync(full: true)
            let contact: String = try #require(try await rig.value("SELECT id FROM contacts WHERE role = 'user' ORDER BY id DESC LIMIT 1"))
            try await rig.control(.post, "/config", .object([("drop_webhooks", .int(1))]))
            try await rig.control(.get, "/contacts/\(contact)", .object([("name", .string("Lost In Transit"))]), verb: "PATCH")
            // A later change to another contact does arrive, so the first one had every chance to arrive too.
            let other: String = try #require(try await rig.value("SELECT id FROM contacts WHERE role = 'user' ORDER BY id LIMIT 1"))
            try await rig.control(.get, "/contacts/\(other)", .object([("name", .string("Arrived"))]), verb: "PATCH")
            try await eventually("the second change arrives") {
                try await rig.value("SELECT name FROM contacts WHERE id = ?", [other]) == "Arrived"
            }
            #expect(rig.workspace.webhooks.counters.dropped == 1)
            #expect(inbox.counters.received == 1)
            #expect(try await rig.value("SELECT name FROM contacts WHERE id = ?", [contact]) != "Lost In Transit")
            try await rig.sync()
            #expect(try await rig.value("SELECT name FROM contacts WHERE id = ?", [contact]) == "Lost In Transit", "the poll repaired it")
            #expect(try await differences(rig) == [])
        }
    }

    @Test func aDuplicateDeliveryIsAppliedOnce() async throws {
        try await withWebhookRig { rig, inbox in
            try await rig.sync(full: true)
            let contact: String = try #require(try await rig.value("SELECT id FROM contacts WHERE role = 'lead' ORDER BY id LIMIT 1"))
            let fetches = rig.calls("GET /contacts/{id}")
            try await rig.control(.post, "/config", .object([("duplicate_webhooks", .int(1))]))
            try await rig.control(.get, "/contacts/\(contact)", .object([("name", .string("Said Twice"))]), verb: "PATCH")
            try await eventually("both copies were delivered and one applied") {
                rig.workspace.webhooks.counters.delivered == 2 && inbox.counters.applied == 1 && inbox.counters.pending == 0
            }
            #expect(inbox.counters.duplicates == 1)
            #expect(rig.calls("GET /contacts/{id}") == fetches + 1)
            #expect(try await rig.value("SELECT COUNT(*) FROM webhook_deliveries WHERE item_id = ?", [contact]) == 1)
            #expect(try await rig.value("SELECT name FROM contacts WHERE id = ?", [contact]) == "Said Twice")
        }
    }

    @Test func everyDeletionTopicIsApplied() async throws {
        try await withWebhookRig { rig, inbox in
            try await rig.sync(full: true)
            let users: [String] = try await rig.store.read { db in
                try String.fetchAll(db, sql: "SELECT id FROM contacts WHERE role = 'user' ORDER BY id LIMIT 3")
            }
            let lead: String = try #require(try await rig.value("""
                SELECT c.id FROM contacts c JOIN conversation_contacts cc ON cc.contact_id = c.id WHERE c.role = 'lead' ORDER BY c.id LIMIT 1
                """))
            let company: String = try #require(try await rig.value("SELECT id FROM companies ORDER BY id LIMIT 1"))
            let conversation: String = try #require(try await rig.value("SELECT id FROM conversations ORDER BY id DESC LIMIT 1"))
            let (deleted, archived, survivor) = (users[0], users[1], users[2])
            try await rig.control(.post, "/contacts/\(deleted)", verb: "DELETE")
            try await rig.control(.post, "/contacts/\(archived)/archive")
            try await rig.control(.post, "/contacts/\(lead)/merge", .object([("into", .string(survivor))]))
            try await rig.control(.get, "/companies/\(company)", .object([("deleted", .bool(true))]), verb: "PATCH")
            try await rig.control(.post, "/conversations/\(conversation)", verb: "DELETE")
            try await eventually("all five deletions are applied") { inbox.counters.applied == 5 && inbox.counters.pending == 0 }
            let reasons: [String: String] = try await rig.store.read { db in
                Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT resource || ':' || id AS key, reason FROM deletions")
                    .map { ($0["key"] as String, $0["reason"] as String) })
            }
            #expect(reasons["contacts:\(deleted)"] == "deleted")
            #expect(reasons["contacts:\(archived)"] == "archived")
            #expect(reasons["contacts:\(lead)"] == "merged")
            #expect(reasons["companies:\(company)"] == "deleted")
            #expect(reasons["conversations:\(conversation)"] == "deleted")
            #expect(try await rig.value("SELECT merged_into FROM deletions WHERE id = ?", [lead]) == survivor)
            #expect(try await rig.value("SELECT COUNT(*) FROM conversation_contacts WHERE contact_id = ?", [lead]) == 0)
            #expect((try await rig.value("SELECT COUNT(*) FROM conversation_contacts WHERE contact_id = ?", [survivor]) ?? 0) > 0,
                    "the merged lead's conversations now belong to the survivor")
            let gaps = try await differences(rig)
            #expect(gaps.isEmpty, "\(gaps)")
        }
    }

    @Test func aRepeatTheMirrorAlreadyAppliedCostsNoCall() async throws {
        try await withRig { rig in
            try await rig.sync(full: true)
            let contact: String = try #require(try await rig.value("SELECT id FROM contacts ORDER BY id LIMIT 1"))
            let hint = NotificationHint(kind: .contact, id: contact)
            let notification = IntercomNotification(id: "notif_once", topic: "contact.user.updated", createdAt: 1, hint: hint)
            let first = try await rig.engine.applyHint(hint, notifications: [notification])
            #expect(first == HintResult(applied: 1, repeated: 0, outcome: "upserted"))
            // A new process has an empty inbox; the mirror's own record still knows this id.
            let calls = rig.workspace.counters.calls
            let second = try await rig.engine.applyHint(hint, notifications: [notification])
            #expect(second == HintResult(applied: 0, repeated: 1, outcome: "repeat"))
            #expect(rig.workspace.counters.calls == calls)
        }
    }
}
