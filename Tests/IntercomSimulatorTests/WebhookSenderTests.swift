import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntercomAPI
import IntercomSimulator
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// The simulator's webhooks look like Intercom's: the envelope, the signature over the raw body, one retry after a
/// failed delivery, and drops and duplicates on demand.
@Suite struct WebhookSenderTests {
    /// What a receiver saw: each body with its signature header, in arrival order.
    final class Received: Sendable {
        let deliveries = Mutex<[(body: [UInt8], signature: String?)]>([])
        /// Answer 500 to this many deliveries first.
        let failFirst: Mutex<Int>
        init(failFirst: Int = 0) { self.failFirst = Mutex(failFirst) }
    }

    /// A live simulator whose webhooks go, signed with `secret`, to a live receiver that records them and fails the
    /// first `failFirst` deliveries with 500.
    func withSender(secret: String, failFirst: Int = 0, retrySeconds: Double = 60,
                    _ body: @Sendable (SimClient, Workspace, Received) async throws -> Void) async throws {
        let received = Received(failFirst: failFirst)
        let router = Router()
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            let bytes = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            received.deliveries.withLock { $0.append((bytes, request.headers[HTTPField.Name("X-Hub-Signature")!])) }
            return received.failFirst.withLock { n in
                if n > 0 { n -= 1; return .internalServerError }
                return .ok
            }
        }
        var logger = Logger(label: "receiver")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        try await app.test(.live) { client in
            let url = "http://127.0.0.1:\(client.port!)/hook"
            try await withSimulator { sim, workspace in
                workspace.webhooks.configure { $0.url = url; $0.secret = secret; $0.retrySeconds = retrySeconds }
                try await body(sim, workspace, received)
            }
        }
    }

    func settle(_ workspace: Workspace, delivered: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let c = workspace.webhooks.counters
            if c.inFlight == 0, c.delivered + c.failed >= delivered { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("webhooks did not settle: \(workspace.webhooks.counters)")
    }

    @Test func aMutationSendsASignedNotificationEvent() async throws {
        try await withSender(secret: "app-secret") { sim, workspace, received in
            let contacts = try await sim.get("/contacts?per_page=1").json()
            let id = try #require(contacts["data"]?.arrayValue?.first?["id"]?.stringValue)
            try await sim.control(.PATCH, "/contacts/\(id)", .object([("name", .string("Hooked"))]))
            try await settle(workspace, delivered: 1)
            let delivery = try #require(received.deliveries.withLock { $0.first })
            #expect(WebhookSignature.isValid(delivery.signature, body: delivery.body, secret: "app-secret"))
            let event = try JSON.parse(delivery.body)
            #expect(event["type"] == .string("notification_event"))
            #expect(event["topic"]?.stringValue?.hasPrefix("contact.") == true)
            #expect(event["topic"]?.stringValue?.hasSuffix(".updated") == true)
            #expect(event["app_id"] == .string(workspace.appId))
            #expect(event["delivery_attempts"] == .int(1))
            #expect(event["data"]?["item"]?["id"] == .string(id))
            #expect(event["data"]?["item"]?["name"] == .string("Hooked"))
            #expect(event["created_at"]?.intValue != nil)
        }
    }

    @Test func aFailedDeliveryIsRetriedOnceWithTheSameID() async throws {
        try await withSender(secret: "s", failFirst: 5, retrySeconds: 0.05) { sim, workspace, received in
            let listed = try await sim.get("/conversations?per_page=1").json()
            let id = try #require(listed["conversations"]?.arrayValue?.first?["id"]?.stringValue)
            try await sim.control(.POST, "/conversations/\(id)/parts", .object([("count", .int(1))]))
            try await settle(workspace, delivered: 1)
            let events = try received.deliveries.withLock { $0 }.map { try JSON.parse($0.body) }
            #expect(events.count == 2, "one attempt and Intercom's one retry, no more")
            #expect(events.map { $0["id"] } == [events[0]["id"], events[0]["id"]])
            #expect(events.map { $0["delivery_attempts"] } == [.int(1), .int(2)])
            #expect(events[0]["topic"] == .string("conversation.admin.replied"))
            #expect(workspace.webhooks.counters.failed == 1)
        }
    }

    @Test func dropsAndDuplicatesOnDemand() async throws {
        try await withSender(secret: "s") { sim, workspace, received in
            let listed = try await sim.get("/conversations?per_page=3").json()
            let ids = (listed["conversations"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
            try #require(ids.count == 3)
            try await sim.control(.POST, "/config", .object([("drop_webhooks", .int(1)), ("duplicate_webhooks", .int(1))]))
            try await sim.control(.PATCH, "/conversations/\(ids[0])", .object([("state", .string("closed"))]))  // dropped
            try await sim.control(.PATCH, "/conversations/\(ids[1])", .object([("state", .string("closed"))]))  // doubled
            try await sim.control(.DELETE, "/conversations/\(ids[2])")
            try await settle(workspace, delivered: 3)
            let events = try received.deliveries.withLock { $0 }.map { try JSON.parse($0.body) }
            let items = events.compactMap { $0["data"]?["item"]?["id"]?.stringValue }.sorted()
            #expect(items == [ids[1], ids[1], ids[2]].sorted())
            #expect(Set(events.filter { $0["data"]?["item"]?["id"] == .string(ids[1]) }.compactMap { $0["id"]?.stringValue }).count == 1,
                    "a duplicate carries the same notification id")
            #expect(events.contains { $0["topic"] == .string("conversation.deleted") })
            #expect(events.contains { $0["topic"] == .string("conversation.admin.closed") })
            let counters = try await sim.control(.GET, "/counters")
            #expect(counters["webhooks"]?["dropped"] == .int(1))
            #expect(counters["webhooks"]?["duplicated"] == .int(1))
        }
    }
}
