import Foundation
import GRDB
import IntercomAPI
@testable import MirrorStore
import Testing

/// Resource tables (the ones that keep `raw`) are rowid tables; link tables are WITHOUT ROWID. A mirror made with the
/// older layout (everything WITHOUT ROWID) is rebuilt when opened, its rows, search index, triggers and views intact.
@Suite struct TableLayoutTests {
    let resources = Catalog.tables.filter(\.keepsRaw)
    let links = Catalog.tables.filter { !$0.keepsRaw }

    func contact(_ id: String, name: String, role: String, tags: [String]) -> JSON {
        .object([("type", .string("contact")), ("id", .string(id)), ("role", .string(role)), ("name", .string(name)),
                 ("email", .string("\(id)@example.test")), ("updated_at", .int(1_700_000_000)),
                 ("custom_attributes", .object([("plan", .string("pro"))])),
                 ("tags", .object([("data", .array(tags.map { .object([("type", .string("tag")), ("id", .string($0))]) }))]))])
    }

    /// Every catalog table's rows, in key order.
    func snapshot(_ db: Database) throws -> [String: [[DatabaseValue]]] {
        var tables: [String: [[DatabaseValue]]] = [:]
        for table in Catalog.tables {
            let order = table.primaryKey.map { "\"\($0)\"" }.joined(separator: ", ")
            tables[table.name] = try Row.fetchAll(db, sql: "SELECT * FROM \"\(table.name)\" ORDER BY \(order)").map { Array($0.databaseValues) }
        }
        return tables
    }

    func layout(_ db: Database) throws -> (rowid: Set<String>, withoutRowID: Set<String>) {
        var rowid: Set<String> = [], withoutRowID: Set<String> = []
        for table in Catalog.tables {
            if try Schema.isWithoutRowID(table.name, db) { withoutRowID.insert(table.name) } else { rowid.insert(table.name) }
        }
        return (rowid, withoutRowID)
    }

    func searchRefs(_ store: MirrorDatabase, _ word: String) async throws -> [String] {
        try await store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT ref FROM search_index WHERE search_index MATCH ? ORDER BY ref", arguments: [word])
        }
    }

    @Test func aMirrorWithTheOlderLayoutIsRebuiltWithItsRowsIndexTriggersAndViews() async throws {
        let path = NSTemporaryDirectory() + "layout-\(UInt64.random(in: 0...UInt64.max)).sqlite"
        defer { MirrorDatabase.removeFiles(at: path) }
        let before: [String: [[DatabaseValue]]]
        let triggers: [String]
        do {
            let store = try MirrorDatabase(path: path)
            let fresh = try await store.pool.read { db in try layout(db) }
            #expect(fresh.rowid == Set(resources.map(\.name)), "a new mirror's resource tables are rowid tables")
            #expect(fresh.withoutRowID == Set(links.map(\.name)), "a new mirror's link tables stay WITHOUT ROWID")

            let contacts = Catalog.table("contacts")
            try await store.write { tx in
                try tx.upsert(contacts, item: contact("c1", name: "Ada Lovelace", role: "user", tags: ["t1", "t2"]), sweep: 1)
                try tx.upsert(contacts, item: contact("c2", name: "Alan Turing", role: "lead", tags: ["t2"]), sweep: 1)
                try tx.upsert(Catalog.table("tags"), item: .object([("type", .string("tag")), ("id", .string("t1")), ("name", .string("VIP"))]), sweep: 1)
            }
            // Turn it into a mirror made before the layout changed: every table WITHOUT ROWID, the migration not yet run.
            try await store.pool.write { db in
                try Schema.rebuild(resources, withoutRowID: true, db)
                try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v5-rowid-resource-tables'")
            }
            let old = try await store.pool.read { db in try layout(db) }
            #expect(old.rowid.isEmpty, "the older layout had no rowid tables")
            before = try await store.pool.read { db in try snapshot(db) }
            triggers = try await store.pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name") }
        }

        let store = try MirrorDatabase(path: path)
        let migrated = try await store.pool.read { db in try layout(db) }
        #expect(migrated.rowid == Set(resources.map(\.name)))
        #expect(migrated.withoutRowID == Set(links.map(\.name)))
        let after = try await store.pool.read { db in try snapshot(db) }
        #expect(after == before, "every row of every table is kept")
        #expect(after["contacts"]?.count == 2 && after["contact_tags"]?.count == 3)
        let kept = try await store.pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name") }
        #expect(kept == triggers && !kept.isEmpty)
        let users = try await store.pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM users ORDER BY id") }
        #expect(users == ["c1"], "the seed views are back")
        let tagged = try await store.pool.read { db in try String.fetchAll(db, sql: "SELECT tag_name FROM users_tags WHERE tag_id = 't1'") }
        #expect(tagged == ["VIP"])
        #expect(try await searchRefs(store, "Lovelace") == ["c1"], "documents indexed before the rebuild are still found")

        // The rebuilt tables take writes: a replaced row keeps one copy, and the search triggers index new rows.
        try await store.write { tx in
            try tx.upsert(Catalog.table("contacts"), item: contact("c3", name: "Grace Hopper", role: "user", tags: []), sweep: 2)
            try tx.upsert(Catalog.table("contacts"), item: contact("c1", name: "Ada King", role: "user", tags: ["t1"]), sweep: 2)
        }
        #expect(try await searchRefs(store, "Hopper") == ["c3"])
        #expect(try await searchRefs(store, "Lovelace").isEmpty)
        #expect(try await searchRefs(store, "King") == ["c1"])
        let count = try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM contacts WHERE id = 'c1'") }
        #expect(count == 1)
    }

    /// The list shapes of the read API stay index walks on rowid tables: no sort of every match before `LIMIT`.
    @Test func filteredListsOrderedByIdWalkAnIndexWithoutSorting() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            for table in Catalog.tables { try db.execute(sql: Schema.createTable(table)) }
        }
        func plan(_ sql: String) throws -> String {
            try queue.read { db in try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }.joined(separator: "; ") }
        }
        for sql in [
            "SELECT t.* FROM conversations t WHERE t.state = 'open' AND t.admin_assignee_id = '7' ORDER BY t.id LIMIT 51",
            "SELECT t.* FROM conversations t WHERE t.team_assignee_id = '7' AND t.state = 'open' AND t.id < 'x' ORDER BY t.id DESC LIMIT 51",
            "SELECT t.* FROM conversation_parts t WHERE t.conversation_id = 'c' ORDER BY t.created_at, t.id",
            "SELECT t.* FROM contacts t WHERE t.role = 'user' ORDER BY t.id LIMIT 51",
        ] {
            let detail = try plan(sql)
            #expect(!detail.contains("TEMP B-TREE"), "\(sql): \(detail)")
        }
        let custom = try plan("SELECT t.* FROM contacts t WHERE json_extract(t.custom_attributes, '$.plan') = 'pro' ORDER BY t.id LIMIT 51")
        #expect(custom.contains("contacts_id_custom_attributes"), "a custom-attribute filter scans the narrow index: \(custom)")
    }
}
