import AsyncHTTPClient
import Foundation
import IntercomAPI
import NIOCore
import NIOHTTP1
import Synchronization

/// Intercom's side of webhooks: for each mutation a `notification_event` envelope, signed with `X-Hub-Signature`,
/// POSTed with a 5 s timeout and retried once (a minute later in Intercom; `retrySeconds` here). Like the real
/// thing it can be late, doubled or lost: `delay`, `duplicateRate`/`duplicateNext` and `dropRate`/`dropNext` make
/// it so on purpose, so tests can show that polling repairs what webhooks miss.
public final class WebhookSender: Sendable {
    /// Where deliveries go and how they misbehave; changed at run time through `/_simulator/config`.
    public struct Settings: Sendable {
        public var url: String?
        public var secret: String?
        public var delaySeconds = 0.0
        public var dropRate = 0.0
        public var duplicateRate = 0.0
        /// The next this-many notifications are dropped (tests use this rather than a rate).
        public var dropNext = 0
        /// The next this-many notifications are delivered twice.
        public var duplicateNext = 0
        /// Seconds before the one retry of a failed delivery; Intercom's is a minute.
        public var retrySeconds = 60.0

        public init(url: String? = nil, secret: String? = nil) {
            self.url = url
            self.secret = secret
        }
    }

    /// What the sender did, for `/_simulator/counters`.
    public struct Counters: Sendable {
        public var notified = 0
        public var dropped = 0
        public var duplicated = 0
        public var delivered = 0
        public var retried = 0
        public var failed = 0
        /// Deliveries scheduled and not yet finished.
        public var inFlight = 0
    }

    struct State {
        var settings: Settings
        var counters = Counters()
        var random: SeededRandom
        var sequence = 0
    }

    private let state: Mutex<State>
    let appId: String

    init(settings: Settings, appId: String, seed: UInt64) {
        self.appId = appId
        state = Mutex(State(settings: settings, random: SeededRandom(seed: seed, stream: 41)))
    }

    public var settings: Settings { state.withLock { $0.settings } }
    /// Whether mutations are sent at all (a URL and a secret are set).
    public var isOn: Bool { state.withLock { $0.settings.url != nil && $0.settings.secret != nil } }
    public var counters: Counters { state.withLock { $0.counters } }

    /// Changes the settings.
    public func configure(_ change: (inout Settings) -> Void) {
        state.withLock { change(&$0.settings) }
    }

    /// Sends `topic` about `item` (as Intercom renders it) if a URL and secret are set, as Intercom would after a change.
    func notify(_ topic: String, item: JSON, at now: Int) {
        let plan: (id: String, copies: Int, delay: Double, retry: Double, url: String, secret: String)? = state.withLock { s in
            guard let url = s.settings.url, let secret = s.settings.secret else { return nil }
            s.sequence += 1
            s.counters.notified += 1
            let id = "notif_\(appId)_\(s.sequence)_\(hex(s.random.next() & 0xFFFF_FFFF, width: 8))"
            let drop = s.settings.dropNext > 0 || s.random.chance(s.settings.dropRate)
            if s.settings.dropNext > 0 { s.settings.dropNext -= 1 }
            if drop {
                s.counters.dropped += 1
                return nil
            }
            let duplicate = s.settings.duplicateNext > 0 || s.random.chance(s.settings.duplicateRate)
            if s.settings.duplicateNext > 0 { s.settings.duplicateNext -= 1 }
            if duplicate { s.counters.duplicated += 1 }
            let copies = duplicate ? 2 : 1
            s.counters.inFlight += copies
            return (id, copies, s.settings.delaySeconds, s.settings.retrySeconds, url, secret)
        }
        guard let plan else { return }
        for _ in 0..<plan.copies {
            Task.detached { [self] in
                if plan.delay > 0 { try? await Task.sleep(for: .seconds(plan.delay)) }
                var delivered = await deliver(id: plan.id, topic: topic, item: item, createdAt: now, attempt: 1, url: plan.url, secret: plan.secret)
                if !delivered {
                    state.withLock { $0.counters.retried += 1 }
                    try? await Task.sleep(for: .seconds(plan.retry))
                    delivered = await deliver(id: plan.id, topic: topic, item: item, createdAt: now, attempt: 2, url: plan.url, secret: plan.secret)
                }
                state.withLock { s in
                    s.counters.inFlight -= 1
                    if delivered { s.counters.delivered += 1 } else { s.counters.failed += 1 }
                }
            }
        }
    }

    /// Intercom's envelope for one delivery attempt.
    func envelope(id: String, topic: String, item: JSON, createdAt: Int, attempt: Int) -> JSON {
        .object([
            ("type", .string("notification_event")), ("app_id", .string(appId)),
            ("data", .object([("type", .string("notification_event_data")), ("item", item)])),
            ("links", .object([])), ("id", .string(id)), ("topic", .string(topic)),
            ("delivery_status", .string("pending")), ("delivery_attempts", .int(attempt)),
            ("delivered_at", .int(0)), ("first_sent_at", .int(createdAt)), ("created_at", .int(createdAt)), ("self", .null),
        ])
    }

    /// One POST; true when the receiver answered 2xx within Intercom's 5 s.
    func deliver(id: String, topic: String, item: JSON, createdAt: Int, attempt: Int, url: String, secret: String) async -> Bool {
        let body = envelope(id: id, topic: topic, item: item, createdAt: createdAt, attempt: attempt).encoded()
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Intercom-Webhooks-Simulator")
        request.headers.add(name: WebhookSignature.headerName, value: WebhookSignature.sign(body, secret: secret))
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            _ = try? await response.body.collect(upTo: 1 << 20)
            return (200..<300).contains(Int(response.status.code))
        } catch {
            return false
        }
    }
}
