import GRDB
import IntercomAPI

/// What the mirror holds of a contact, for a sweep to decide which of its sub-lists to fetch again.
public struct StoredContact: Sendable, Equatable {
    public var updatedAt: Int?
    /// Ids of the contact's notes.
    public var noteIDs: Set<String> = []
    /// Rows per child table that has a full-list sub-resource (a contact's tags and companies).
    public var childCounts: [String: Int] = [:]

    public init(updatedAt: Int? = nil) { self.updatedAt = updatedAt }
}

/// The reads the sync makes between its writes, each a typed function over the catalog's names.
extension MirrorDatabase {
    /// What the mirror holds of each of `ids`; ids it does not hold are absent.
    public func storedContacts(_ ids: [String]) async throws -> [String: StoredContact] {
        guard !ids.isEmpty else { return [:] }
        let contacts = TableSpec.contacts, notes = TableSpec.notes
        let counted = contacts.children.filter { $0.fullList != nil }
        return try await reading { sql in
            let marks = MirrorTransaction.placeholders(ids.count)
            let arguments = ids.map(\.databaseValue)
            var result: [String: StoredContact] = [:]
            for row in try sql.rows("SELECT id, updated_at FROM \(Schema.quoted(contacts.name)) WHERE id IN (\(marks))",
                                    arguments, limit: .max) {
                result[row[0].string ?? ""] = StoredContact(updatedAt: row[1].integer)
            }
            let owner = Schema.quoted("contact_id")
            for row in try sql.rows("SELECT \(owner) AS owner, id FROM \(Schema.quoted(notes.name)) WHERE \(owner) IN (\(marks))",
                                    arguments, limit: .max) {
                result[row[0].string ?? "", default: StoredContact()].noteIDs.insert(row[1].string ?? "")
            }
            for child in counted {
                let owner = Schema.quoted(child.ownerColumn)
                let query = "SELECT \(owner) AS owner, COUNT(*) AS n FROM \(Schema.quoted(child.table)) WHERE \(owner) IN (\(marks)) GROUP BY \(owner)"
                for row in try sql.rows(query, arguments, limit: .max) {
                    result[row[0].string ?? "", default: StoredContact()].childCounts[child.table] = row[1].integer ?? 0
                }
            }
            return result
        }
    }

    /// Items of `spec`'s table whose parts Intercom capped (see `MirrorTransaction.truncated`).
    public func truncated(_ spec: TruncationSpec) async throws -> Int {
        try await reading { sql in try MirrorTransaction(sql: sql).truncated(spec) }
    }

    /// Up to `limit` ids of users (contacts whose role is not `lead`) after `after`, in id order.
    public func userIDs(after: String, limit: Int) async throws -> [String] {
        let contacts = TableSpec.contacts
        return try await reading { sql in
            try sql.strings("SELECT id FROM \(Schema.quoted(contacts.name)) WHERE role IS DISTINCT FROM 'lead' AND id > ? ORDER BY id LIMIT ?",
                            [after.databaseValue, limit.databaseValue])
        }
    }

    /// Every id `table` holds, in order.
    public func ids(of table: TableSpec) async throws -> [String] {
        try await reading { sql in try sql.strings("SELECT id FROM \(Schema.quoted(table.name)) ORDER BY id") }
    }
}
