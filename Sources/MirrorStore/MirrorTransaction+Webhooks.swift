import GRDB

extension Schema {
    /// The migration that adds `webhook_deliveries`: every notification the mirror applied, by Intercom's id, so a
    /// repeated delivery (Intercom's retry, a duplicate, a restart that lost the inbox) is recognised and skipped.
    static func registerWebhookMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-webhooks") { db in
            try db.execute(sql: """
                CREATE TABLE webhook_deliveries (
                    notification_id TEXT PRIMARY KEY,
                    topic TEXT NOT NULL,
                    resource TEXT NOT NULL,
                    item_id TEXT NOT NULL,
                    notified_at INTEGER,
                    applied_at INTEGER NOT NULL,
                    outcome TEXT NOT NULL
                );
                CREATE INDEX webhook_deliveries_applied ON webhook_deliveries(applied_at);
                """)
        }
    }
}

/// One applied notification, as `webhook_deliveries` records it.
public struct WebhookDelivery: Sendable {
    public var notificationID: String
    public var topic: String
    public var resource: String
    public var itemID: String
    /// Intercom's `created_at` of the notification.
    public var notifiedAt: Int?
    /// `upserted`, `deleted`, `merged`, `absent` (gone and never mirrored) or `stale` (the mirror already held newer).
    public var outcome: String

    public init(notificationID: String, topic: String, resource: String, itemID: String, notifiedAt: Int?, outcome: String) {
        self.notificationID = notificationID
        self.topic = topic
        self.resource = resource
        self.itemID = itemID
        self.notifiedAt = notifiedAt
        self.outcome = outcome
    }
}

extension MirrorTransaction {
    /// The ids among `notificationIDs` the mirror has already applied.
    public func appliedNotifications(_ notificationIDs: [String]) throws -> Set<String> {
        guard !notificationIDs.isEmpty else { return [] }
        let marks = MirrorTransaction.placeholders(notificationIDs.count)
        return Set(try sql.strings("SELECT notification_id FROM webhook_deliveries WHERE notification_id IN (\(marks))",
                                   notificationIDs.map(\.databaseValue)))
    }

    /// Records applied notifications; call it in the transaction that applied them.
    public func recordDeliveries(_ deliveries: [WebhookDelivery], at now: Int) throws {
        let insert = """
            INSERT INTO webhook_deliveries (notification_id, topic, resource, item_id, notified_at, applied_at, outcome)
            VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
            """
        for d in deliveries { try sql.run(insert, d.notificationID, d.topic, d.resource, d.itemID, d.notifiedAt, now, d.outcome) }
        // Replicas share a queue of verified notifications (PostgreSQL): an applied one leaves it in the transaction
        // that applied it, so it is applied once even if the leader dies right after.
        if sql.dialect.name == "postgres", !deliveries.isEmpty {
            let marks = MirrorTransaction.placeholders(deliveries.count)
            try sql.execute("DELETE FROM webhook_queue WHERE notification_id IN (\(marks))", deliveries.map(\.notificationID.databaseValue))
        }
    }

    /// Forgets deliveries applied before `cutoff`: long past Intercom's one retry, so they cannot come back.
    public func pruneDeliveries(before cutoff: Int) throws {
        try sql.run("DELETE FROM webhook_deliveries WHERE applied_at < ?", cutoff)
    }

    /// The sweep generation rows written outside a sweep should carry: the one under way, or the last completed.
    /// Stamping an older one would let a sweep in progress count the row as gone.
    public func currentSweepGeneration(_ resource: String) throws -> Int {
        try Checkpoint.load(resource, sql)?.sweepGeneration ?? 0
    }
}

extension MirrorDatabase {
    /// The ids among `notificationIDs` the mirror has already applied, read without taking the writer.
    public func appliedNotifications(_ notificationIDs: [String]) async throws -> Set<String> {
        try await reading { sql in try MirrorTransaction(sql: sql).appliedNotifications(notificationIDs) }
    }
}
