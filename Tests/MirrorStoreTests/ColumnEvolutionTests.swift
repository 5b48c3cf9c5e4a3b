import Foundation
import GRDB
import IntercomAPI
import MirrorStore
import Testing

/// A column added to the catalog reaches a mirror made before it, filled from each row's `raw`: rows Intercom has not
/// changed since do not keep NULL.
@Suite struct ColumnEvolutionTests {
    func contact(_ n: Int) -> JSON {
        var members: [(String, JSON)] = [("type", .string("contact")), ("id", .string("c\(n)")), ("role", .string("user")),
                                         ("updated_at", .int(1_700_000_000 + n))]
        // Every third contact has no location: its new column stays NULL, as a fresh sync would leave it.
        if n % 3 != 0 {
            members.append(("location", .object([("type", .string("location")), ("region", .string("Region \(n)")),
                                                 ("country", .string("Country \(n % 7)"))])))
        }
        return .object(members)
    }

    @Test func aNewCatalogColumnIsAddedAndBackfilledFromRawWhenAnOldMirrorOpens() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("intercache-evolve-\(UUID().uuidString).sqlite").path
        defer { MirrorDatabase.removeFiles(at: path) }
        let contacts = Catalog.table("contacts")
        do {
            let old = try MirrorDatabase(path: path)
            try await old.write { tx in for n in 1...250 { try tx.upsert(contacts, item: self.contact(n), sweep: 1) } }
        }
        // The catalog of a later version: one more contact column, read from a path the rows' raw JSON already has.
        let later = Catalog.tables.map { $0.name == "contacts" ? $0.adding(ColumnSpec("region_name", .text, .path(["location", "region"]))) : $0 }
        let evolved = try MirrorDatabase(path: path, tables: later)
        let rows = try await evolved.read { db in
            try Row.fetchAll(db, sql: "SELECT id, region_name, json_extract(raw, '$.location.region') AS expected FROM contacts ORDER BY id")
                .map { (id: $0["id"] as String, value: $0["region_name"] as String?, expected: $0["expected"] as String?) }
        }
        #expect(rows.count == 250)
        for row in rows { #expect(row.value == row.expected, "\(row.id)") }
        let filledRows = rows.filter { $0.value != nil }.count
        #expect(filledRows == (1...250).filter { $0 % 3 != 0 }.count)
        // The migration is named after the columns: it ran once, and opening again changes nothing.
        let applied = try await evolved.read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations WHERE identifier LIKE 'catalog-columns-%'")
        }
        #expect(applied.count == 2)
        let again = try MirrorDatabase(path: path, tables: later)
        let filled = try await again.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(region_name) FROM contacts") }
        #expect(filled == filledRows)
    }
}
