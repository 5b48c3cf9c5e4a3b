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
        return try await pool.read { db in
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            let arguments = StatementArguments(ids)
            var result: [String: StoredContact] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, updated_at FROM \(Schema.quoted(contacts.name)) WHERE id IN (\(marks))",
                                        arguments: arguments) {
                result[row["id"]] = StoredContact(updatedAt: row["updated_at"])
            }
            let owner = Schema.quoted("contact_id")
            for row in try Row.fetchAll(db, sql: "SELECT \(owner) AS owner, id FROM \(Schema.quoted(notes.name)) WHERE \(owner) IN (\(marks))",
                                        arguments: arguments) {
                result[row["owner"], default: StoredContact()].noteIDs.insert(row["id"])
            }
            for child in counted {
                let owner = Schema.quoted(child.ownerColumn)
                let sql = "SELECT \(owner) AS owner, COUNT(*) AS n FROM \(Schema.quoted(child.table)) WHERE \(owner) IN (\(marks)) GROUP BY \(owner)"
                for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
                    result[row["owner"], default: StoredContact()].childCounts[child.table] = row["n"]
                }
            }
            return result
        }
    }

    /// Items of `spec`'s table whose parts Intercom capped (see `MirrorTransaction.truncated`).
    public func truncated(_ spec: TruncationSpec) async throws -> Int {
        try await pool.read { db in try MirrorTransaction(db: db).truncated(spec) }
    }

    /// Up to `limit` ids of users (contacts whose role is not `lead`) after `after`, in id order.
    public func userIDs(after: String, limit: Int) async throws -> [String] {
        let contacts = TableSpec.contacts
        return try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM \(Schema.quoted(contacts.name)) WHERE role IS NOT 'lead' AND id > ? ORDER BY id LIMIT ?",
                                arguments: [after, limit])
        }
    }

    /// Every id `table` holds, in order.
    public func ids(of table: TableSpec) async throws -> [String] {
        try await pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM \(Schema.quoted(table.name)) ORDER BY id") }
    }
}
