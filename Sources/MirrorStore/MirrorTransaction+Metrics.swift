import GRDB
import IntercomAPI

extension MirrorTransaction {
    /// Rewrites the `conversation_metrics` row of conversation `id` from its mirrored row and parts, in the caller's
    /// transaction (the one that wrote them); removes it when the conversation is gone.
    func refreshMetrics(conversation id: String) throws { try refreshMetrics(conversations: [id]) }

    /// `refreshMetrics(conversation:)` for many: two reads per few hundred conversations, not two each (each read waits
    /// for its answer, a round trip on PostgreSQL).
    func refreshMetrics(conversations ids: [String]) throws {
        let table = TableSpec.conversationMetrics
        for chunk in Self.chunked(ids) {
            let list = Self.placeholders(chunk.count), values = chunk.map(\.databaseValue)
            // Positional reads: this runs for every conversation written, inside the sync's batches, and GRDB's `Row`
            // (a copy and a name lookup per column) cost more than the computation.
            var conversations: [String: ConversationMetrics.Conversation] = [:]
            for row in try sql.rows("""
                SELECT id, created_at, source_author_type, parts_truncated, statistics FROM conversations WHERE id IN (\(list))
                """, values, limit: .max) {
                guard let id = row[0].string else { continue }
                let statistics = row[4].string.flatMap { try? JSON.parse(Array($0.utf8)) }
                conversations[id] = ConversationMetrics.Conversation(createdAt: row[1].integer, sourceAuthorType: row[2].string,
                                                                     partsTruncated: row[3].integer == 1, statistics: statistics)
            }
            var parts: [String: [ConversationMetrics.Part]] = [:]
            for part in try sql.rows("""
                SELECT conversation_id, id, part_type, author_type, author_id, body, created_at, assigned_to_type, assigned_to_id
                FROM conversation_parts WHERE conversation_id IN (\(list))
                """, values, limit: .max) {
                parts[part[0].string ?? "", default: []].append(
                    ConversationMetrics.Part(id: part[1].string ?? "", partType: part[2].string, authorType: part[3].string,
                                             authorID: part[4].string, body: part[5].string, createdAt: part[6].integer,
                                             assignedToType: part[7].string, assignedToID: part[8].string))
            }
            for id in chunk {
                guard let conversation = conversations[id] else {
                    try sql.run("DELETE FROM \(Schema.quoted(table.name)) WHERE conversation_id = ?", id)
                    continue
                }
                let metrics = ConversationMetrics(conversation, parts: parts[id] ?? [])
                let values: [DatabaseValue] = table.columns.map { column in
                    switch column.name {
                    case "conversation_id": id.databaseValue
                    case "parts_truncated": (metrics.partsTruncated ? 1 : 0).databaseValue
                    default: metrics.ids[column.name]?.databaseValue ?? metrics.values[column.name]?.databaseValue ?? .null
                    }
                }
                try sql.execute(insertSQL(table), values)
            }
        }
    }

    /// Ids in runs short enough for an `IN` list of bound values on either engine.
    static func chunked(_ ids: [String]) -> [ArraySlice<String>] {
        stride(from: 0, to: ids.count, by: 500).map { ids[$0..<min($0 + 500, ids.count)] }
    }

    /// `?,?,...` for `n` values.
    static func placeholders(_ n: Int) -> String { Array(repeating: "?", count: n).joined(separator: ",") }

    /// Rewrites the `ticket_metrics` row of ticket `id` from its mirrored row and parts; removes it when the ticket is gone.
    func refreshMetrics(ticket id: String) throws {
        let table = TableSpec.ticketMetrics
        guard let row = try sql.rows("SELECT created_at, state_category, parts_truncated FROM tickets WHERE id = ?",
                                     [id.databaseValue], limit: 1).first else {
            try sql.run("DELETE FROM \(Schema.quoted(table.name)) WHERE ticket_id = ?", id)
            return
        }
        let parts = try sql.rows("""
            SELECT id, part_type, author_type, body, created_at, previous_ticket_state, ticket_state FROM ticket_parts WHERE ticket_id = ?
            """, [id.databaseValue], limit: .max).map { part in
            TicketMetrics.Part(id: part[0].string ?? "", partType: part[1].string, authorType: part[2].string, body: part[3].string,
                               createdAt: part[4].integer, previousState: part[5].string, state: part[6].string)
        }
        let metrics = TicketMetrics(createdAt: row[0].integer, stateCategory: row[1].string, partsTruncated: row[2].integer == 1,
                                    parts: parts)
        let values: [DatabaseValue] = table.columns.map { column in
            switch column.name {
            case "ticket_id": id.databaseValue
            case "parts_truncated": (metrics.partsTruncated ? 1 : 0).databaseValue
            case "current_state_category": metrics.currentStateCategory.databaseValue
            default: metrics.values[column.name]?.databaseValue ?? .null
            }
        }
        try sql.execute(insertSQL(table), values)
    }

    /// Every conversation's metrics, for a mirror that had none (the migration that adds the table).
    static func backfillMetrics(_ db: Database) throws {
        let ids = try String.fetchAll(db, sql: "SELECT id FROM conversations")
        let tx = MirrorTransaction(db: db)
        for id in ids { try tx.refreshMetrics(conversation: id) }
    }
}
