import GRDB
import IntercomAPI

extension MirrorTransaction {
    /// Rewrites the `conversation_metrics` row of conversation `id` from its mirrored row and parts, in the caller's
    /// transaction (the one that wrote them); removes it when the conversation is gone.
    func refreshMetrics(conversation id: String) throws {
        let table = TableSpec.conversationMetrics
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT created_at, source_author_type, parts_truncated, statistics FROM conversations WHERE id = ?
            """), arguments: [id]) else {
            try db.execute(sql: "DELETE FROM \(Schema.quoted(table.name)) WHERE conversation_id = ?", arguments: [id])
            return
        }
        let statistics = (row["statistics"] as String?).flatMap { try? JSON.parse(Array($0.utf8)) }
        let conversation = ConversationMetrics.Conversation(createdAt: row["created_at"], sourceAuthorType: row["source_author_type"],
                                                            partsTruncated: (row["parts_truncated"] as Int?) == 1, statistics: statistics)
        let parts = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT id, part_type, author_type, author_id, body, created_at, assigned_to_type, assigned_to_id
            FROM conversation_parts WHERE conversation_id = ?
            """), arguments: [id]).map { part in
            ConversationMetrics.Part(id: part["id"], partType: part["part_type"], authorType: part["author_type"],
                                     authorID: part["author_id"], body: part["body"], createdAt: part["created_at"],
                                     assignedToType: part["assigned_to_type"], assignedToID: part["assigned_to_id"])
        }
        let metrics = ConversationMetrics(conversation, parts: parts)
        let values: [DatabaseValue] = table.columns.map { column in
            switch column.name {
            case "conversation_id": id.databaseValue
            case "parts_truncated": (metrics.partsTruncated ? 1 : 0).databaseValue
            default: metrics.ids[column.name]?.databaseValue ?? metrics.values[column.name]?.databaseValue ?? .null
            }
        }
        let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO \(Schema.quoted(table.name)) VALUES (\(table.columns.map { _ in "?" }.joined(separator: ", ")))")
        statement.bind(values: values)
        try statement.execute()
    }

    /// Every conversation's metrics, for a mirror that had none (the migration that adds the table).
    static func backfillMetrics(_ db: Database) throws {
        let ids = try String.fetchAll(db, sql: "SELECT id FROM conversations")
        let tx = MirrorTransaction(db: db)
        for id in ids { try tx.refreshMetrics(conversation: id) }
    }
}
