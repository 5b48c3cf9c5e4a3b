import Foundation
import Hummingbird
import HummingbirdTesting
import IntercomAPI
import IntercomSimulator
import Logging
import MirrorStore
import ReadAPI
import Sync
import TestSupport
import Testing

/// A rig whose read API is live with its webhook worker running, and whose simulator sends its webhooks there.
func withWebhookRig<T: Sendable>(engine: TestEngine, _ body: @Sendable (SyncRig, NotificationInbox) async throws -> T) async throws -> T {
    try await withRig(engine: engine) { rig in
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
    /// The first column of the first row as text (ids as text), on either engine.
    func value(_ sql: String, _ arguments: [String] = []) async throws -> String? { try await text(sql, arguments.map(StoreValue.text)) }

    /// The first column of the first row as an integer (a count), on either engine.
    func count(_ sql: String, _ arguments: [String] = []) async throws -> Int? { try await int(sql, arguments.map(StoreValue.text)) }

    func calls(_ endpoint: String) -> Int { workspace.counters.byEndpoint[endpoint] ?? 0 }
}

@Suite(.serialized) struct WebhookTests {
    @Test(arguments: TestEngine.all)
    func aHintMakesTheMirrorRefetchTheItem(engine: TestEngine) async throws {
        try await withWebhookRig(engine: engine) { rig, inbox in
            try await rig.sync(full: true)
            let contact = try #require(try await rig.value("SELECT id FROM contacts WHERE role = 'user' ORDER BY id LIMIT 1"))
            let fetches = rig.calls("GET /contacts/{id}")
            try await rig.control(.get, "/contacts/\(contact)", .object([("name", .string("Seen Via Webhook"))]), verb: "PATCH")
            try await eventually("the renamed contact is in the mirror") {
                try await rig.value("SELECT name FROM contacts WHERE id = ?", [contact]) == "Seen Via Webhook"
            }
            #expect(rig.calls("GET /contacts/{id}") == fetches + 1, "the item was re-fetched, not taken from the payload")
            let topic = try await rig.value("SELECT topic FROM webhook_deliveries WHERE item_id = ?", [contact])
            #expect(topic == "contact.user.updated")

            let conversation = try #require(try await rig.value("SELECT id FROM conversations ORDER BY id LIMIT 1"))
            let held = try #require(try await rig.count("SELECT COUNT(*) FROM conversation_parts WHERE conversation_id = ?", [conversation]))
            try await rig.control(.post, "/conversations/\(conversation)/parts", .object([("count", .int(2)), ("author_type", .string("user"))]))
            try await eventually("the two new parts are in the mirror") {
                try await rig.count("SELECT COUNT(*) FROM conversation_parts WHERE conversation_id = ?", [conversation]) == held + 2
            }

            let company = try #require(try await rig.value("SELECT id FROM companies ORDER BY id LIMIT 1"))
            try await rig.control(.get, "/companies/\(company)", .object([("name", .string("Webhook & Co"))]), verb: "PATCH")
            try await eventually("the renamed company is in the mirror") {
                try await rig.value("SELECT name FROM companies WHERE id = ?", [company]) == "Webhook & Co"
            }
            #expect(inbox.counters.applied == 3)
            #expect(inbox.counters.failed == 0)
            #expect(try await differences(rig) == [])
        }
    }

    @Test(arguments: TestEngine.all)
    func aDroppedWebhookIsRepairedByTheNextPoll(engine: TestEngine) async throws {
        try await withWebhookRig(engine: engine) { rig, inbox in
            try await rig.sync(full: true)
            let contact = try #require(try await rig.value("SELECT id FROM contacts WHERE role = 'user' ORDER BY id DESC LIMIT 1"))
            try await rig.control(.post, "/config", .object([("drop_webhooks", .int(1))]))
            try await rig.control(.get, "/contacts/\(contact)", .object([("name", .string("Lost In Transit"))]), verb: "PATCH")
            // A later change to another contact does arrive, so the first one had every chance to arrive too.
            let other = try #require(try await rig.value("SELECT id FROM contacts WHERE role = 'user' ORDER BY id LIMIT 1"))
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

    @Test(arguments: TestEngine.all)
    func aDuplicateDeliveryIsAppliedOnce(engine: TestEngine) async throws {
        try await withWebhookRig(engine: engine) { rig, inbox in
            try await rig.sync(full: true)
            let contact = try #require(try await rig.value("SELECT id FROM contacts WHERE role = 'lead' ORDER BY id LIMIT 1"))
            let fetches = rig.calls("GET /contacts/{id}")
            try await rig.control(.post, "/config", .object([("duplicate_webhooks", .int(1))]))
            try await rig.control(.get, "/contacts/\(contact)", .object([("name", .string("Said Twice"))]), verb: "PATCH")
            try await eventually("both copies were delivered and one applied") {
                rig.workspace.webhooks.counters.delivered == 2 && inbox.counters.applied == 1 && inbox.counters.pending == 0
            }
            #expect(inbox.counters.duplicates == 1)
            #expect(rig.calls("GET /contacts/{id}") == fetches + 1)
            #expect(try await rig.count("SELECT COUNT(*) FROM webhook_deliveries WHERE item_id = ?", [contact]) == 1)
            #expect(try await rig.value("SELECT name FROM contacts WHERE id = ?", [contact]) == "Said Twice")
        }
    }

    @Test(arguments: TestEngine.all)
    func everyDeletionTopicIsApplied(engine: TestEngine) async throws {
        try await withWebhookRig(engine: engine) { rig, inbox in
            try await rig.sync(full: true)
            let users = try await rig.strings("SELECT id FROM contacts WHERE role = 'user' ORDER BY id LIMIT 3")
            let lead = try #require(try await rig.value("""
                SELECT c.id FROM contacts c JOIN conversation_contacts cc ON cc.contact_id = c.id WHERE c.role = 'lead' ORDER BY c.id LIMIT 1
                """))
            let company = try #require(try await rig.value("SELECT id FROM companies ORDER BY id LIMIT 1"))
            let conversation = try #require(try await rig.value("SELECT id FROM conversations ORDER BY id DESC LIMIT 1"))
            let (deleted, archived, survivor) = (users[0], users[1], users[2])
            try await rig.control(.post, "/contacts/\(deleted)", verb: "DELETE")
            try await rig.control(.post, "/contacts/\(archived)/archive")
            try await rig.control(.post, "/contacts/\(lead)/merge", .object([("into", .string(survivor))]))
            try await rig.control(.get, "/companies/\(company)", .object([("deleted", .bool(true))]), verb: "PATCH")
            try await rig.control(.post, "/conversations/\(conversation)", verb: "DELETE")
            try await eventually("all five deletions are applied") { inbox.counters.applied == 5 && inbox.counters.pending == 0 }
            let reasons = Dictionary(uniqueKeysWithValues: try await rig.rows("SELECT resource || ':' || id, reason FROM deletions")
                .map { ($0[0].string ?? "", $0[1].string ?? "") })
            #expect(reasons["contacts:\(deleted)"] == "deleted")
            #expect(reasons["contacts:\(archived)"] == "archived")
            #expect(reasons["contacts:\(lead)"] == "merged")
            #expect(reasons["companies:\(company)"] == "deleted")
            #expect(reasons["conversations:\(conversation)"] == "deleted")
            #expect(try await rig.value("SELECT merged_into FROM deletions WHERE id = ?", [lead]) == survivor)
            #expect(try await rig.count("SELECT COUNT(*) FROM conversation_contacts WHERE contact_id = ?", [lead]) == 0)
            #expect((try await rig.count("SELECT COUNT(*) FROM conversation_contacts WHERE contact_id = ?", [survivor]) ?? 0) > 0,
                    "the merged lead's conversations now belong to the survivor")
            let gaps = try await differences(rig)
            #expect(gaps.isEmpty, "\(gaps)")
        }
    }

    @Test(arguments: TestEngine.all)
    func aRepeatTheMirrorAlreadyAppliedCostsNoCall(engine: TestEngine) async throws {
        try await withRig(engine: engine) { rig in
            try await rig.sync(full: true)
            let contact = try #require(try await rig.value("SELECT id FROM contacts ORDER BY id LIMIT 1"))
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
