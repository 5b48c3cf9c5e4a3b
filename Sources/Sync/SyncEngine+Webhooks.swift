import IntercomAPI
import MirrorStore

/// What applying one hint did.
public struct HintResult: Sendable, Equatable {
    /// Notifications newly applied.
    public var applied = 0
    /// Notifications the mirror had already applied (a repeat that outlived the inbox's memory, or a restart).
    public var repeated = 0
    /// `upserted`, `deleted`, `merged`, `absent`, `stale` or `repeat`.
    public var outcome: String

    public init(applied: Int = 0, repeated: Int = 0, outcome: String) {
        self.applied = applied
        self.repeated = repeated
        self.outcome = outcome
    }
}

extension SyncEngine {
    /// Applies one webhook hint: re-fetches the item through the engine's client (so the sync's rate-limit budget
    /// covers it) and upserts it, or applies its deletion; the notifications are recorded in the same transaction,
    /// so a repeat finds them and changes nothing. The payload's copy of the item is never trusted: only the fetch
    /// says what the item is now, so late, doubled and reordered deliveries all end in the same row.
    public func applyHint(_ hint: NotificationHint, notifications: [IntercomNotification]) async throws -> HintResult {
        let ids = notifications.map(\.id)
        let done = try await store.appliedNotifications(ids)
        let fresh = notifications.filter { !done.contains($0.id) }
        if !notifications.isEmpty, fresh.isEmpty { return HintResult(repeated: notifications.count, outcome: "repeat") }
        let table = Catalog.table(hint.kind.resource)
        let repeated = notifications.count - fresh.count
        let record = { @Sendable (outcome: String) in
            fresh.map { WebhookDelivery(notificationID: $0.id, topic: $0.topic, resource: hint.kind.resource, itemID: hint.id,
                                        notifiedAt: $0.createdAt, outcome: outcome) }
        }
        var survivor: String?
        let outcome: String
        do {
            let item = try await client.send(IntercomRequest(.get, hint.path))
            var enriched: EnrichedContact?
            if hint.kind == .contact {
                enriched = try await enrich(item, stored: try await store.storedContacts([hint.id])[hint.id], access: PassAccess(logger: logger))
            }
            let contact = enriched
            outcome = try await store.write { tx in
                // A sync page fetched before this change may land after it; never let the mirror go backwards.
                if let held = try tx.storedUpdatedAt(table, ids: [hint.id])[hint.id], let fetched = item["updated_at"]?.intValue,
                   held > fetched {
                    try tx.recordDeliveries(record("stale"), at: Self.now())
                    return "stale"
                }
                let generation = try tx.currentSweepGeneration(table.name)
                switch hint.kind {
                case .contact:
                    try Self.applyContacts([contact!], table: table, generation: generation, tx: tx)
                case .company:
                    try tx.upsert(table, item: item, sweep: generation)
                case .conversation:
                    try tx.upsert(table, item: item, sweep: generation)
                    try tx.conversationWritten(hint.id)
                case .ticket:
                    try tx.upsert(table, item: item, sweep: generation)
                    try tx.ticketWritten(hint.id)
                }
                try tx.recordDeliveries(record("upserted"), at: Self.now())
                return "upserted"
            }
        } catch IntercomError.notFound {
            // Deleted, archived or never visible: the topic says which, when one of them is a deletion topic.
            let reason = fresh.map { NotificationHint.deletionReason(topic: $0.topic) }.first { $0 != "not_found" } ?? "not_found"
            outcome = try await store.write { tx in
                let present = try tx.storedUpdatedAt(table, ids: [hint.id])[hint.id] != nil
                if present { try tx.delete(table, id: hint.id, reason: reason, at: Self.now()) }
                try tx.recordDeliveries(record(present ? "deleted" : "absent"), at: Self.now())
                return present ? "deleted" : "absent"
            }
        } catch let IntercomError.merged(_, into) {
            survivor = into
            outcome = try await store.write { tx in
                if try tx.storedUpdatedAt(table, ids: [hint.id])[hint.id] != nil {
                    try tx.delete(table, id: hint.id, reason: "merged", mergedInto: into, at: Self.now())
                }
                try tx.recordDeliveries(record("merged"), at: Self.now())
                return "merged"
            }
        }
        // The survivor of a merge changed too (it took the lead's tags, companies and conversations).
        if let survivor, NotificationHint.isPlainID(survivor) {
            _ = try await applyHint(NotificationHint(kind: .contact, id: survivor), notifications: [])
        }
        return HintResult(applied: fresh.count, repeated: repeated, outcome: outcome)
    }

    /// Forgets applied notification ids older than `age` seconds.
    public func pruneWebhookDeliveries(olderThan age: Int) async throws {
        let cutoff = Self.now() - age
        try await store.write { tx in try tx.pruneDeliveries(before: cutoff) }
    }
}
